// Test REST catalog server for floe's test suite. It serves the Apache Iceberg REST catalog API
// (v1 config, OAuth2 tokens, namespaces, tables) on loopback with the JDK's built-in HTTP server,
// handing every request to Iceberg's own CatalogHandlers over a JdbcCatalog on SQLite (or an
// InMemoryCatalog when no SQLite JDBC driver is on the classpath). Metadata is written through
// SimpleFileIO, so other readers see the files in the warehouse (a local directory or s3://).
// Compile and start it with scripts/rest-catalog-server; `--help` lists the options.
//
// Switches for tests: OAuth2 client credentials or static bearer tokens, a required scope, a
// path prefix, AWS SigV4-signed requests (SigV4Verifier.java), vended S3 credentials (optionally
// short-lived session credentials), and these control endpoints (outside /v1, never behind
// auth, JSON in and out):
//
//   POST /test/faults    merges settings; every key is optional:
//     {"commit-fail-after-apply": N, "commit-fail-before-apply": N, "status": S,
//      "commit-delay-ms": M, "fail-requests": N, "fail-requests-match": "REGEX"}
//     The next N table commits are applied and then answered with HTTP S (default 502), or
//     answered with S (default 503) without being applied; "status" goes with the counts given
//     in the same body ("commit-fail-after-apply-status", "commit-fail-before-apply-status" and
//     "fail-requests-status" set one each). Commits wait M ms first. The next N /v1 requests
//     whose "METHOD /raw/path" matches REGEX (any, if unset) fail with S (default 503) before
//     auth or routing. {"then-fail-requests": N} arms that instead from the moment the next
//     commit is applied and answered with a failure (a client's read-back then fails too).
//     {"commit-apply-late": N, "commit-apply-late-ms": M}: the next N commits are answered 504
//     at once and applied M ms later (default 3000) on a thread of their own, as behind a
//     gateway that timed out. {"commit-duplicate": N}: the next N commits are applied twice,
//     as by a proxy that retried them, and the second outcome is the answer.
//     Answers, like GET, with the full state.
//   GET /test/faults, DELETE /test/faults (reset)
//   GET /test/requests   the recent /v1 requests, oldest first: [{"method", "path", "query",
//     "status", "authorization": true|false, "access-delegation": header value or null,
//     "sigv4": true|false}] ("sigv4": the request carried a valid AWS SigV4 signature; always
//     false without --sigv4)
//   DELETE /test/requests (clear)
//   With --idempotency-key-lifetime D (an ISO-8601 duration) /v1/config advertises
//   idempotency-key-lifetime and table commits honour the Idempotency-Key header as the REST
//   spec says: a key whose commit finished (applied, or refused with a 4xx) is answered with
//   that first outcome and never applied again; a key whose commit is still running is
//   answered 409 (RequestInProgressException). The request log records each request's key.
//   POST /test/expire-tokens   every token issued so far expires now (static ones stay valid)
//
// With --sigv4 every /v1 request needs a valid AWS Signature V4 Authorization header for one of
// the given keys, the --sigv4-region and the --sigv4-service (the OAuth2 token endpoint, which
// authenticates clients itself, also takes unsigned requests: PyIceberg 0.12 fetches its token
// before it starts signing); anything else is answered 403 with the REST spec's error body, type
// NotAuthorizedException (no, malformed or stale signature, unknown key id) or
// ForbiddenException (wrong credential scope, signed headers, payload hash or signature), and
// a message naming what was wrong. Combined with OAuth2, the bearer token is looked for in
// Original-Authorization, where PyIceberg and Iceberg's Java client move it when they sign.
//
// With --vend-s3-ttl-seconds N, each vended credential set (a load/create/register table
// response's config and storage-credentials, and each GET .../credentials) also gets a fresh
// random s3.session-token and s3.session-token-expires-at-ms = now + N seconds (epoch millis),
// the property names of Iceberg's S3FileIOProperties.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.BadRequestException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NoSuchViewException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.exceptions.UnprocessableEntityException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.credentials.Credential;
import org.apache.iceberg.rest.credentials.ImmutableCredential;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.RegisterTableRequest;
import org.apache.iceberg.rest.requests.RenameTableRequest;
import org.apache.iceberg.rest.requests.UpdateNamespacePropertiesRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.responses.ErrorResponse;
import org.apache.iceberg.rest.responses.ErrorResponseParser;
import org.apache.iceberg.rest.responses.ImmutableLoadCredentialsResponse;
import org.apache.iceberg.rest.responses.LoadTableResponse;
import org.apache.iceberg.shaded.com.fasterxml.jackson.annotation.JsonAutoDetect;
import org.apache.iceberg.shaded.com.fasterxml.jackson.annotation.PropertyAccessor;
import org.apache.iceberg.shaded.com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.DeserializationFeature;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.JsonNode;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.iceberg.shaded.com.fasterxml.jackson.databind.PropertyNamingStrategies;

public class RestCatalogServer {
  static final String USAGE = String.join("\n",
      "usage: RestCatalogServer --warehouse LOCATION [options]",
      "",
      "  --warehouse LOC          local directory, file:///dir or s3://bucket/prefix (required)",
      "  --host HOST              address to listen on (default 127.0.0.1)",
      "  --port N                 port (default 0: pick a free one)",
      "  --port-file FILE         once listening, write http://HOST:PORT to FILE (atomically)",
      "  --backend jdbc|memory    JdbcCatalog on SQLite (default when the driver is present) or",
      "                           InMemoryCatalog",
      "  --catalog-db FILE        SQLite database for the jdbc backend (default: a temporary file",
      "                           deleted on exit); reuse it to keep the catalog across restarts",
      "  --catalog-name NAME      catalog name stored by the jdbc backend (default floe_rest)",
      "  --s3-endpoint URL        S3 endpoint for s3:// warehouses (path-style); keys and region",
      "                           from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION",
      "  --prefix P               routes become /v1/P/...; /v1/config returns prefix=P",
      "  --credential ID:SECRET   OAuth2 client (repeatable); enables auth: /v1/oauth/tokens issues",
      "                           tokens and every other /v1 request needs a valid bearer token",
      "  --token T                static bearer token accepted (repeatable); enables auth",
      "  --token-ttl-seconds N    lifetime of issued tokens (default 3600)",
      "  --sigv4 KEY_ID:SECRET    every /v1 request must be signed with AWS SigV4 with this key",
      "                           (repeatable); refused with 403 otherwise (/v1/oauth/tokens",
      "                           also takes unsigned requests)",
      "  --sigv4-region R         region of the SigV4 credential scope (default us-east-1)",
      "  --sigv4-service S        service of the SigV4 credential scope (default glue)",
      "  --required-scope S       table endpoints answer 403 to tokens issued without scope S",
      "  --vend-s3 K=V,...        with X-Iceberg-Access-Delegation: vended-credentials, add these",
      "                           to a load/create table response's config and storage-credentials;",
      "                           GET .../tables/{table}/credentials returns them too",
      "  --vend-s3-ttl-seconds N  (with --vend-s3) vended credentials are session credentials:",
      "                           each set also gets a fresh random s3.session-token and",
      "                           s3.session-token-expires-at-ms (now + N s, epoch millis)",
      "  --table-config K=V,...   always add these to load/create table responses' config",
      "  --config-default K=V,... extra defaults in /v1/config",
      "  --idempotency-key-lifetime D  advertise and honour Idempotency-Key (ISO-8601, e.g. PT5M)",
      "  --config-override K=V,...  extra overrides in /v1/config",
      "  --verbose                log every request (and Iceberg's INFO messages) on stderr",
      "  --warm-up                start, send a few catalog requests to itself, exit (used by",
      "                           scripts/rest-catalog-server to record a class-data archive)",
      "",
      "Test control (no auth): GET|POST|DELETE /test/faults, GET|DELETE /test/requests,",
      "POST /test/expire-tokens; see the top of RestCatalogServer.java.");

  static final Set<String> VALUE_OPTIONS = Set.of("--warehouse", "--host", "--port", "--port-file",
      "--backend", "--catalog-db", "--catalog-name", "--s3-endpoint", "--prefix", "--credential",
      "--token", "--token-ttl-seconds", "--required-scope", "--vend-s3", "--table-config",
      "--config-default", "--config-override", "--sigv4", "--sigv4-region", "--sigv4-service",
      "--vend-s3-ttl-seconds", "--idempotency-key-lifetime");
  static final String TOKEN_TYPE_ACCESS = "urn:ietf:params:oauth:token-type:access_token";
  static final String GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final int MAX_LOGGED_REQUESTS = 2000;
  static final PrintStream ERR = System.err;

  // ---- options --------------------------------------------------------------------------

  String host = "127.0.0.1";
  int port = 0;
  String portFile;
  String warehouse;
  String backend;
  String catalogDb;
  String catalogName = "floe_rest";
  String s3Endpoint;
  String prefix;
  final Map<String, String> credentials = new LinkedHashMap<>();
  final Set<String> staticTokens = new HashSet<>();
  int tokenTtlSeconds = 3600;
  String requiredScope;
  final Map<String, String> vendS3 = new LinkedHashMap<>();
  Integer vendS3TtlSeconds;
  final SigV4Verifier sigv4 = new SigV4Verifier();
  final Map<String, String> tableConfig = new LinkedHashMap<>();
  final Map<String, String> configDefaults = new LinkedHashMap<>();
  final Map<String, String> configOverrides = new LinkedHashMap<>();
  boolean verbose;
  boolean warmUp;
  String idempotencyKeyLifetime;

  // ---- state ----------------------------------------------------------------------------

  final ObjectMapper mapper = new ObjectMapper();
  Catalog catalog;
  SupportsNamespaces namespaces;
  /** One catalog operation at a time: SQLite and the fault switches stay simple that way. */
  final Object catalogLock = new Object();
  final Map<String, IssuedToken> tokens = new ConcurrentHashMap<>();
  final SecureRandom random = new SecureRandom();
  final ArrayDeque<Map<String, Object>> requestLog = new ArrayDeque<>();
  final Faults faults = new Faults();
  /** Finished commits by Idempotency-Key: their first answer, replayed. */
  final Map<String, Reply> idempotentReplies = new ConcurrentHashMap<>();
  /** Keys whose commit is running (or waiting to be applied late). */
  final Set<String> keysInProgress = ConcurrentHashMap.newKeySet();
  /** The Idempotency-Key of the request this thread is handling. */
  static final ThreadLocal<String> REQUEST_KEY = new ThreadLocal<>();

  record IssuedToken(String clientId, Set<String> scopes, long expiresAtMillis) {}

  record Reply(int status, String json) {}

  public static void main(String[] args) throws Exception {
    RestCatalogServer server = new RestCatalogServer();
    try {
      server.parseArgs(args);
    } catch (IllegalArgumentException e) {
      ERR.println("rest-catalog-server: " + e.getMessage());
      ERR.println(USAGE);
      System.exit(2);
    }
    server.start();
  }

  void parseArgs(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println(USAGE);
        System.exit(0);
      }
      if (arg.equals("--verbose")) {
        verbose = true;
        continue;
      }
      if (arg.equals("--warm-up")) {
        warmUp = true;
        continue;
      }
      if (!VALUE_OPTIONS.contains(arg)) {
        throw new IllegalArgumentException("unknown option " + arg);
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + arg);
        }
        value = args[++i];
      }
      switch (arg) {
        case "--warehouse" -> warehouse = value;
        case "--host" -> host = value;
        case "--port" -> port = Integer.parseInt(value);
        case "--port-file" -> portFile = value;
        case "--backend" -> backend = value;
        case "--catalog-db" -> catalogDb = value;
        case "--catalog-name" -> catalogName = value;
        case "--s3-endpoint" -> s3Endpoint = value;
        case "--prefix" -> prefix = value.isEmpty() ? null : value;
        case "--credential" -> {
          int colon = value.indexOf(':');
          if (colon <= 0) {
            throw new IllegalArgumentException("--credential wants ID:SECRET");
          }
          credentials.put(value.substring(0, colon), value.substring(colon + 1));
        }
        case "--token" -> staticTokens.add(value);
        case "--token-ttl-seconds" -> tokenTtlSeconds = Integer.parseInt(value);
        case "--required-scope" -> requiredScope = value;
        case "--vend-s3" -> vendS3.putAll(keyValues(value));
        case "--vend-s3-ttl-seconds" -> {
          vendS3TtlSeconds = Integer.parseInt(value);
          if (vendS3TtlSeconds < 0) {
            throw new IllegalArgumentException("--vend-s3-ttl-seconds must be 0 or more");
          }
        }
        case "--sigv4" -> {
          int colon = value.indexOf(':');
          if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("--sigv4 wants ACCESS_KEY_ID:SECRET_ACCESS_KEY");
          }
          sigv4.keys.put(value.substring(0, colon), value.substring(colon + 1));
        }
        case "--sigv4-region" -> sigv4.region = value;
        case "--sigv4-service" -> sigv4.service = value;
        case "--table-config" -> tableConfig.putAll(keyValues(value));
        case "--config-default" -> configDefaults.putAll(keyValues(value));
        case "--config-override" -> configOverrides.putAll(keyValues(value));
        case "--idempotency-key-lifetime" -> idempotencyKeyLifetime = value;
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    if (warehouse == null) {
      throw new IllegalArgumentException("--warehouse is required");
    }
    if (vendS3TtlSeconds != null && vendS3.isEmpty()) {
      throw new IllegalArgumentException("--vend-s3-ttl-seconds needs --vend-s3");
    }
  }

  static Map<String, String> keyValues(String spec) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : spec.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected KEY=VALUE, got '" + item + "'");
      }
      out.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
    }
    return out;
  }

  boolean authEnabled() {
    return !credentials.isEmpty() || !staticTokens.isEmpty();
  }

  // ---- startup --------------------------------------------------------------------------

  void start() throws Exception {
    StderrLogging.info = verbose;
    mapper.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    mapper.setPropertyNamingStrategy(new PropertyNamingStrategies.KebabCaseStrategy());
    RESTSerializers.registerAll(mapper);

    openCatalog();

    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "rest-catalog");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    String url = "http://" + host + ":" + server.getAddress().getPort();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
    if (portFile != null) {
      Path target = Paths.get(portFile);
      Path tmp = Paths.get(portFile + ".tmp." + ProcessHandle.current().pid());
      Files.writeString(tmp, url + "\n");
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    if (warmUp) {
      warmUp(url);
      server.stop(0);
      System.exit(0);
    }
    ERR.println("rest-catalog-server: ready at " + url + " (backend " + backend + ", warehouse "
        + warehouse + (prefix != null ? ", prefix " + prefix : "")
        + (authEnabled() ? ", auth on" : ", no auth")
        + (sigv4.enabled() ? ", sigv4 " + sigv4.region + "/" + sigv4.service : "") + ")");
  }

  /** A short session against this server, so that a class-data archive covers the usual paths. */
  void warmUp(String url) throws Exception {
    String table = "{\"name\":\"t\",\"schema\":{\"type\":\"struct\",\"schema-id\":0,\"fields\":"
        + "[{\"id\":1,\"name\":\"x\",\"required\":false,\"type\":\"long\"}]}}";
    String commit = "{\"requirements\":[{\"type\":\"assert-table-uuid\",\"uuid\":\"%s\"}],"
        + "\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k\":\"v\"}}]}";
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String uuid = null;
    String[][] calls = {
        {"GET", "/v1/config", null},
        {"POST", "/v1/oauth/tokens", "grant_type=client_credentials&client_id=warm&client_secret=up"},
        {"POST", "/v1/namespaces", "{\"namespace\":[\"warm\",\"up\"],\"properties\":{\"a\":\"b\"}}"},
        {"GET", "/v1/namespaces?parent=warm", null},
        {"HEAD", "/v1/namespaces/warm%1Fup", null},
        {"POST", "/v1/namespaces/warm%1Fup/tables", table},
        {"GET", "/v1/namespaces/warm%1Fup/tables/t", null},
        {"POST", "/v1/namespaces/warm%1Fup/tables/t", commit},
        {"GET", "/v1/namespaces/warm%1Fup/tables", null},
        {"GET", "/v1/namespaces/warm%1Fup/tables/missing", null},
        {"DELETE", "/v1/namespaces/warm%1Fup/tables/t?purgeRequested=true", null},
        {"DELETE", "/v1/namespaces/warm%1Fup", null}};
    for (String[] call : calls) {
      String body = call[2];
      if (body != null && body.contains("%s")) {
        body = String.format(body, uuid);
      }
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url + call[1]))
          .method(call[0], body == null
              ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
      if (resp.statusCode() >= 300 && !call[1].endsWith("/missing")) {
        throw new IllegalStateException("warm-up: " + call[0] + " " + call[1] + " answered "
            + resp.statusCode() + ": " + resp.body());
      }
      if (call[1].endsWith("/tables/t") && call[0].equals("GET")) {
        uuid = mapper.readTree(resp.body()).path("metadata").path("table-uuid").asText();
      }
    }
  }

  void openCatalog() throws IOException {
    if (!SimpleFileIO.isS3(warehouse)) {
      Path dir = SimpleFileIO.localPath(warehouse).toAbsolutePath().normalize();
      Files.createDirectories(dir);
      warehouse = "file://" + dir;
    } else if (s3Endpoint == null) {
      throw new IllegalArgumentException("an s3:// warehouse needs --s3-endpoint");
    }
    Map<String, String> props = new HashMap<>();
    props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
    props.put(CatalogProperties.FILE_IO_IMPL, SimpleFileIO.class.getName());
    if (s3Endpoint != null) {
      props.put("s3.endpoint", s3Endpoint);
    }

    boolean haveSqlite;
    try {
      Class.forName("org.sqlite.JDBC");
      haveSqlite = true;
    } catch (ClassNotFoundException e) {
      haveSqlite = false;
    }
    if (backend == null) {
      backend = haveSqlite ? "jdbc" : "memory";
      if (!haveSqlite) {
        ERR.println("rest-catalog-server: no SQLite JDBC driver on the classpath; using the memory backend");
      }
    }
    switch (backend) {
      case "jdbc" -> {
        if (!haveSqlite) {
          throw new IllegalArgumentException("--backend jdbc needs the SQLite JDBC driver (sqlite-jdbc.jar)");
        }
        Path db;
        if (catalogDb != null) {
          db = Paths.get(catalogDb).toAbsolutePath();
        } else {
          db = Files.createTempFile("rest-catalog-", ".db");
          db.toFile().deleteOnExit();
        }
        props.put(CatalogProperties.URI, "jdbc:sqlite:" + db);
        props.put("jdbc.schema-version", "V1");
        JdbcCatalog jdbc = new JdbcCatalog();
        jdbc.initialize(catalogName, props);
        catalog = jdbc;
      }
      case "memory" -> {
        InMemoryCatalog memory = new InMemoryCatalog();
        memory.initialize(catalogName, props);
        // InMemoryCatalog always keeps files in an InMemoryFileIO; swap in SimpleFileIO so the
        // metadata it writes lands in the warehouse, where other readers can see it.
        SimpleFileIO io = new SimpleFileIO();
        io.initialize(props);
        try {
          java.lang.reflect.Field field = InMemoryCatalog.class.getDeclaredField("io");
          field.setAccessible(true);
          field.set(memory, io);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot give InMemoryCatalog a real FileIO", e);
        }
        catalog = memory;
      }
      default -> throw new IllegalArgumentException("--backend must be jdbc or memory");
    }
    namespaces = (SupportsNamespaces) catalog;
  }

  // ---- HTTP -----------------------------------------------------------------------------

  void handle(HttpExchange ex) {
    String method = ex.getRequestMethod().toUpperCase();
    String rawPath = ex.getRequestURI().getRawPath();
    String rawQuery = ex.getRequestURI().getRawQuery();
    Reply reply;
    boolean[] signed = {false}; // set by api() once a SigV4 signature checked out
    try {
      byte[] body = ex.getRequestBody().readAllBytes();
      if (rawPath.startsWith("/test/")) {
        reply = control(method, rawPath, body);
      } else {
        reply = api(ex, method, rawPath, parseForm(rawQuery), body, signed);
      }
    } catch (Exception e) {
      reply = errorReply(e);
    } catch (Throwable t) {
      ERR.println("rest-catalog-server: internal error:");
      t.printStackTrace(ERR);
      reply = error(500, t.getClass().getSimpleName(), String.valueOf(t.getMessage()));
    }
    if (!rawPath.startsWith("/test/")) {
      logRequest(ex, method, rawPath, rawQuery, reply.status(), signed[0]);
    }
    if (verbose) {
      ERR.println("rest-catalog-server: " + method + " " + rawPath
          + (rawQuery != null ? "?" + rawQuery : "") + " -> " + reply.status());
    }
    try {
      if (reply.json() == null || method.equals("HEAD")) {
        ex.sendResponseHeaders(reply.status(), -1);
      } else {
        byte[] bytes = reply.json().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), bytes.length);
        ex.getResponseBody().write(bytes);
      }
    } catch (IOException e) {
      ERR.println("rest-catalog-server: could not send the response: " + e);
    } finally {
      ex.close();
    }
  }

  void logRequest(HttpExchange ex, String method, String path, String query, int status,
      boolean signed) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("method", method);
    entry.put("path", path);
    entry.put("query", path.endsWith("/oauth/tokens") ? null : query); // never credentials
    entry.put("status", status);
    entry.put("authorization", ex.getRequestHeaders().getFirst("Authorization") != null);
    entry.put("access-delegation", ex.getRequestHeaders().getFirst("X-Iceberg-Access-Delegation"));
    entry.put("sigv4", signed);
    entry.put("idempotency-key", ex.getRequestHeaders().getFirst("Idempotency-Key"));
    synchronized (requestLog) {
      requestLog.addLast(entry);
      while (requestLog.size() > MAX_LOGGED_REQUESTS) {
        requestLog.removeFirst();
      }
    }
  }

  Reply api(HttpExchange ex, String method, String rawPath, Map<String, String> query, byte[] body,
      boolean[] signed) throws Exception {
    Reply injected = faults.takeRequestFailure(method + " " + rawPath);
    if (injected != null) {
      return injected;
    }
    List<String> parts = new ArrayList<>(Arrays.asList(rawPath.replaceAll("^/+|/+$", "").split("/+")));
    if (parts.isEmpty() || !parts.get(0).equals("v1")) {
      return noRoute(method, rawPath);
    }
    parts.remove(0);
    boolean tokenRequest = parts.equals(List.of("oauth", "tokens"));
    String authorization = ex.getRequestHeaders().getFirst("Authorization");
    // The token endpoint authenticates clients itself; PyIceberg 0.12 fetches its token before
    // it starts signing, so there only a signature that is present must be valid.
    if (sigv4.enabled() && (!tokenRequest
        || (authorization != null && authorization.startsWith(SigV4Verifier.ALGORITHM)))) {
      SigV4Verifier.Failure failure = sigv4.verify(method, rawPath, ex.getRequestURI().getRawQuery(),
          ex.getRequestHeaders(), body, System.currentTimeMillis());
      if (failure != null) {
        return error(403, failure.type(), failure.message());
      }
      signed[0] = true;
    }
    if (tokenRequest) {
      return method.equals("POST") ? tokenEndpoint(ex, body) : noRoute(method, rawPath);
    }

    IssuedToken principal = null;
    if (authEnabled()) {
      principal = authenticate(clientAuthorization(ex));
      if (principal == null) {
        return error(401, "NotAuthorizedException",
            "Not authorized: missing, unknown or expired bearer token");
      }
    }
    if (parts.equals(List.of("config"))) {
      return method.equals("GET") ? config() : noRoute(method, rawPath);
    }
    if (prefix != null) {
      if (parts.isEmpty() || !pctDecode(parts.get(0)).equals(prefix)) {
        return noRoute(method, rawPath);
      }
      parts.remove(0);
    }
    boolean tableEndpoint =
        parts.contains("tables") || (parts.size() == 3 && parts.get(2).equals("register"));
    if (tableEndpoint && principal != null && requiredScope != null
        && !principal.scopes().contains(requiredScope) && !principal.scopes().contains("*")) {
      return error(403, "ForbiddenException", "Forbidden: the token lacks scope " + requiredScope);
    }
    REQUEST_KEY.set(ex.getRequestHeaders().getFirst("Idempotency-Key"));
    String delegation = ex.getRequestHeaders().getFirst("X-Iceberg-Access-Delegation");
    boolean vend = delegation != null && delegation.contains("vended-credentials") && !vendS3.isEmpty();
    return route(method, rawPath, parts, query, body, vend);
  }

  Reply route(String method, String rawPath, List<String> p, Map<String, String> query, byte[] body,
      boolean vend) throws Exception {
    int n = p.size();
    if (n == 2 && p.get(0).equals("tables") && p.get(1).equals("rename") && method.equals("POST")) {
      RenameTableRequest req = read(body, RenameTableRequest.class);
      locked(() -> {
        CatalogHandlers.renameTable(catalog, req);
        return null;
      });
      return new Reply(204, null);
    }
    if (n == 0 || !p.get(0).equals("namespaces")) {
      return noRoute(method, rawPath);
    }
    if (n == 1) {
      switch (method) {
        case "GET": {
          String parent = query.get("parent");
          Namespace ns = parent == null || parent.isEmpty()
              ? Namespace.empty() : Namespace.of(parent.split("\u001f", -1));
          String pageToken = query.get("pageToken");
          String pageSize = query.get("pageSize");
          return ok(locked(() -> pageSize != null
              ? CatalogHandlers.listNamespaces(namespaces, ns, pageToken, pageSize)
              : CatalogHandlers.listNamespaces(namespaces, ns)));
        }
        case "POST": {
          CreateNamespaceRequest req = read(body, CreateNamespaceRequest.class);
          return ok(locked(() -> CatalogHandlers.createNamespace(namespaces, req)));
        }
        default:
          return noRoute(method, rawPath);
      }
    }
    Namespace ns = decodeNamespace(p.get(1));
    if (n == 2) {
      switch (method) {
        case "GET":
          return ok(locked(() -> CatalogHandlers.loadNamespace(namespaces, ns)));
        case "HEAD":
          locked(() -> {
            CatalogHandlers.namespaceExists(namespaces, ns);
            return null;
          });
          return new Reply(204, null);
        case "DELETE":
          locked(() -> {
            CatalogHandlers.dropNamespace(namespaces, ns);
            return null;
          });
          return new Reply(204, null);
        default:
          return noRoute(method, rawPath);
      }
    }
    String what = p.get(2);
    if (n == 3 && what.equals("properties") && method.equals("POST")) {
      UpdateNamespacePropertiesRequest req = read(body, UpdateNamespacePropertiesRequest.class);
      return ok(locked(() -> CatalogHandlers.updateNamespaceProperties(namespaces, ns, req)));
    }
    if (n == 3 && what.equals("register") && method.equals("POST")) {
      RegisterTableRequest req = read(body, RegisterTableRequest.class);
      return ok(withExtras(locked(() -> CatalogHandlers.registerTable(catalog, ns, req)), vend));
    }
    if (!what.equals("tables")) {
      return noRoute(method, rawPath);
    }
    if (n == 3) {
      switch (method) {
        case "GET": {
          String pageToken = query.get("pageToken");
          String pageSize = query.get("pageSize");
          return ok(locked(() -> pageSize != null
              ? CatalogHandlers.listTables(catalog, ns, pageToken, pageSize)
              : CatalogHandlers.listTables(catalog, ns)));
        }
        case "POST": {
          CreateTableRequest req = read(body, CreateTableRequest.class);
          LoadTableResponse resp = locked(() -> req.stageCreate()
              ? CatalogHandlers.stageTableCreate(catalog, ns, req)
              : CatalogHandlers.createTable(catalog, ns, req));
          return ok(withExtras(resp, vend));
        }
        default:
          return noRoute(method, rawPath);
      }
    }
    TableIdentifier ident = TableIdentifier.of(ns, pctDecode(p.get(3)));
    if (n == 4) {
      switch (method) {
        case "GET":
          // The `snapshots` parameter (all|refs) is accepted and ignored: all snapshots are sent.
          return ok(withExtras(locked(() -> CatalogHandlers.loadTable(catalog, ident)), vend));
        case "HEAD":
          locked(() -> {
            CatalogHandlers.tableExists(catalog, ident);
            return null;
          });
          return new Reply(204, null);
        case "POST":
          return commit(ident, read(body, UpdateTableRequest.class));
        case "DELETE": {
          boolean purge = Boolean.parseBoolean(query.getOrDefault("purgeRequested", "false"));
          locked(() -> {
            if (purge) {
              CatalogHandlers.purgeTable(catalog, ident);
            } else {
              CatalogHandlers.dropTable(catalog, ident);
            }
            return null;
          });
          return new Reply(204, null);
        }
        default:
          return noRoute(method, rawPath);
      }
    }
    if (n == 5 && p.get(4).equals("metrics") && method.equals("POST")) {
      return new Reply(204, null); // metrics reports are accepted and dropped
    }
    if (n == 5 && p.get(4).equals("credentials") && method.equals("GET")) {
      LoadTableResponse table = locked(() -> CatalogHandlers.loadTable(catalog, ident));
      ImmutableLoadCredentialsResponse.Builder creds = ImmutableLoadCredentialsResponse.builder();
      if (!vendS3.isEmpty()) {
        creds.addCredentials(storageCredential(table, vendedCredentials()));
      }
      return ok(creds.build());
    }
    return noRoute(method, rawPath);
  }

  Reply commit(TableIdentifier ident, UpdateTableRequest req) throws Exception {
    String key = idempotencyKeyLifetime == null ? null : REQUEST_KEY.get();
    if (key != null) {
      Reply done = idempotentReplies.get(key);
      if (done != null) {
        return done;
      }
      if (!keysInProgress.add(key)) {
        return error(409, "RequestInProgressException",
            "A commit with Idempotency-Key " + key + " is still in progress");
      }
    }
    boolean late = false;
    try {
      long delay = faults.commitDelayMs();
      if (delay > 0) {
        Thread.sleep(delay);
      }
      Integer before = faults.takeCommitFailBefore();
      if (before != null) {
        return error(before, faultType(before), "Injected fault: commit not applied (HTTP " + before + ")");
      }
      Long lateMs = faults.takeCommitApplyLate();
      if (lateMs != null) {
        late = true;
        Thread thread = new Thread(() -> {
          try {
            Thread.sleep(lateMs);
            finish(key, apply(ident, req));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            if (key != null) {
              keysInProgress.remove(key);
            }
          }
        });
        thread.setDaemon(true);
        thread.start();
        return error(504, "GatewayTimeoutException",
            "Injected fault: commit answered 504, applied " + lateMs + " ms later");
      }
      Reply reply = finish(key, apply(ident, req));
      if (faults.takeCommitDuplicate()) {
        // The retried copy of the same request: a key replays the first outcome.
        Reply replayed = key == null ? null : idempotentReplies.get(key);
        reply = replayed != null ? replayed : apply(ident, req);
      }
      if (reply.status() >= 300) {
        return reply;
      }
      Integer after = faults.takeCommitFailAfter();
      if (after != null) {
        return error(after, faultType(after), "Injected fault: commit applied, answered with HTTP " + after);
      }
      return reply;
    } finally {
      if (key != null && !late) {
        keysInProgress.remove(key);
      }
    }
  }

  /** One application of a commit: its answer, a refusal's included. */
  Reply apply(TableIdentifier ident, UpdateTableRequest req) {
    try {
      return ok(locked(() -> CatalogHandlers.updateTable(catalog, ident, req)));
    } catch (Exception e) {
      return errorReply(e);
    }
  }

  /** Keeps a finished commit's answer for its key (5xx answers are not final). */
  Reply finish(String key, Reply reply) {
    if (key != null && reply.status() < 500) {
      idempotentReplies.put(key, reply);
    }
    return reply;
  }

  static String faultType(int status) {
    return switch (status) {
      case 500 -> "ServiceFailureException";
      case 502 -> "BadGatewayException";
      case 503 -> "ServiceUnavailableException";
      case 504 -> "GatewayTimeoutException";
      default -> "InjectedFaultException";
    };
  }

  /** Adds --table-config and, when vending, --vend-s3 (config and storage-credentials). */
  LoadTableResponse withExtras(LoadTableResponse resp, boolean vend) {
    if (!vend && tableConfig.isEmpty()) {
      return resp;
    }
    LoadTableResponse.Builder b = LoadTableResponse.builder()
        .withTableMetadata(resp.tableMetadata())
        .addAllConfig(resp.config())
        .addAllConfig(tableConfig);
    if (resp.credentials() != null) {
      b.addAllCredentials(resp.credentials());
    }
    if (vend) {
      Map<String, String> creds = vendedCredentials();
      b.addAllConfig(creds);
      b.addCredential(storageCredential(resp, creds));
    }
    return b.build();
  }

  /** One vended credential set: --vend-s3, plus a fresh session token with --vend-s3-ttl-seconds. */
  Map<String, String> vendedCredentials() {
    Map<String, String> creds = new LinkedHashMap<>(vendS3);
    if (vendS3TtlSeconds != null) {
      byte[] raw = new byte[24];
      random.nextBytes(raw);
      creds.put("s3.session-token",
          "floe-test-session-" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
      creds.put("s3.session-token-expires-at-ms",
          String.valueOf(System.currentTimeMillis() + vendS3TtlSeconds * 1000L));
    }
    return creds;
  }

  Credential storageCredential(LoadTableResponse table, Map<String, String> creds) {
    return ImmutableCredential.builder()
        .prefix(table.tableMetadata().location())
        .config(creds)
        .build();
  }

  /** Written by hand: Iceberg's Endpoint class needs HTTP client classes the runtime jar lacks. */
  Reply config() throws JsonProcessingException {
    Map<String, String> overrides = new LinkedHashMap<>(configOverrides);
    if (prefix != null) {
      overrides.put("prefix", prefix);
    }
    String ns = "/v1/{prefix}/namespaces";
    String table = ns + "/{namespace}/tables/{table}";
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("defaults", configDefaults);
    if (idempotencyKeyLifetime != null) {
      out.put("idempotency-key-lifetime", idempotencyKeyLifetime);
    }
    out.put("overrides", overrides);
    out.put("endpoints", List.of(
        "GET " + ns, "POST " + ns, "GET " + ns + "/{namespace}", "HEAD " + ns + "/{namespace}",
        "DELETE " + ns + "/{namespace}", "POST " + ns + "/{namespace}/properties",
        "GET " + ns + "/{namespace}/tables", "POST " + ns + "/{namespace}/tables",
        "GET " + table, "HEAD " + table, "POST " + table, "DELETE " + table,
        "POST /v1/{prefix}/tables/rename", "POST " + ns + "/{namespace}/register",
        "POST " + table + "/metrics", "GET " + table + "/credentials"));
    return new Reply(200, mapper.writeValueAsString(out));
  }

  // ---- OAuth2 ---------------------------------------------------------------------------

  Reply tokenEndpoint(HttpExchange ex, byte[] body) throws JsonProcessingException {
    Map<String, String> form = parseForm(new String(body, StandardCharsets.UTF_8));
    String grant = form.get("grant_type");
    if (grant == null) {
      return oauthError(400, "invalid_request", "missing grant_type");
    }
    Set<String> scopes;
    String clientId;
    if (grant.equals("client_credentials")) {
      clientId = form.get("client_id");
      String secret = form.get("client_secret");
      String basic = clientAuthorization(ex);
      if (basic != null && basic.regionMatches(true, 0, "Basic ", 0, 6)) {
        String decoded = new String(
            Base64.getDecoder().decode(basic.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon >= 0) {
          clientId = pctDecode(decoded.substring(0, colon));
          secret = pctDecode(decoded.substring(colon + 1));
        }
      }
      if (!credentials.isEmpty()
          && (clientId == null || secret == null || !secret.equals(credentials.get(clientId)))) {
        return oauthError(401, "invalid_client",
            "Client authentication failed: unknown client or wrong secret");
      }
      String scope = form.get("scope");
      scopes = scope == null || scope.isBlank()
          ? Set.of("catalog") : new HashSet<>(Arrays.asList(scope.trim().split("\\s+")));
    } else if (grant.equals(GRANT_TOKEN_EXCHANGE)) {
      IssuedToken subject = lookupToken(form.get("subject_token"));
      if (subject == null) {
        return oauthError(400, "invalid_grant", "subject_token is unknown or expired");
      }
      clientId = subject.clientId();
      scopes = subject.scopes();
    } else {
      return oauthError(400, "unsupported_grant_type", "unsupported grant_type " + grant);
    }
    byte[] raw = new byte[24];
    random.nextBytes(raw);
    String token = "floe-test-" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    tokens.put(token, new IssuedToken(clientId, scopes,
        System.currentTimeMillis() + tokenTtlSeconds * 1000L));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("access_token", token);
    out.put("token_type", "bearer");
    out.put("expires_in", tokenTtlSeconds);
    out.put("issued_token_type", TOKEN_TYPE_ACCESS);
    out.put("scope", String.join(" ", scopes));
    return new Reply(200, mapper.writeValueAsString(out));
  }

  IssuedToken lookupToken(String token) {
    if (token == null) {
      return null;
    }
    if (staticTokens.contains(token)) {
      return new IssuedToken(null, Set.of("*"), Long.MAX_VALUE); // static tokens carry every scope
    }
    IssuedToken t = tokens.get(token);
    if (t == null || System.currentTimeMillis() >= t.expiresAtMillis()) {
      return null;
    }
    return t;
  }

  /**
   * The client's own Authorization header (Bearer or Basic). A SigV4 signer puts its signature
   * there and moves a header it replaces to Original-Authorization (PyIceberg and Iceberg's
   * Java client both do), so with --sigv4 that one is read.
   */
  String clientAuthorization(HttpExchange ex) {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (sigv4.enabled() && header != null && header.startsWith(SigV4Verifier.ALGORITHM)) {
      return ex.getRequestHeaders().getFirst("Original-Authorization");
    }
    return header;
  }

  IssuedToken authenticate(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return lookupToken(header.substring(7).trim());
  }

  Reply oauthError(int status, String error, String description) throws JsonProcessingException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", error);
    out.put("error_description", description);
    return new Reply(status, mapper.writeValueAsString(out));
  }

  // ---- test control ---------------------------------------------------------------------

  Reply control(String method, String path, byte[] body) throws Exception {
    switch (method + " " + path) {
      case "GET /test/requests":
        synchronized (requestLog) {
          return new Reply(200, mapper.writeValueAsString(new ArrayList<>(requestLog)));
        }
      case "DELETE /test/requests":
        synchronized (requestLog) {
          requestLog.clear();
        }
        return new Reply(204, null);
      case "GET /test/faults":
        return new Reply(200, mapper.writeValueAsString(faults.state()));
      case "POST /test/faults":
        faults.update(body.length == 0 ? mapper.createObjectNode() : mapper.readTree(body));
        return new Reply(200, mapper.writeValueAsString(faults.state()));
      case "DELETE /test/faults":
        faults.reset();
        return new Reply(200, mapper.writeValueAsString(faults.state()));
      case "POST /test/expire-tokens":
        tokens.replaceAll((k, t) -> new IssuedToken(t.clientId(), t.scopes(), 0));
        return new Reply(204, null);
      default:
        return error(404, "NotFoundException", "No test control route " + method + " " + path);
    }
  }

  /** Injected failures, set through POST /test/faults. */
  static final class Faults {
    int commitFailAfterApply;
    int commitFailAfterApplyStatus = 502;
    int commitFailBeforeApply;
    int commitFailBeforeApplyStatus = 503;
    long commitDelayMs;
    int failRequests;
    int failRequestsStatus = 503;
    Pattern failRequestsMatch;
    /** Armed by the next commit answered after applying: then this many requests fail. */
    int thenFailRequests;
    int commitApplyLate;
    long commitApplyLateMs = 3000;
    int commitDuplicate;

    synchronized void reset() {
      thenFailRequests = 0;
      commitApplyLate = 0;
      commitApplyLateMs = 3000;
      commitDuplicate = 0;
      commitFailAfterApply = 0;
      commitFailAfterApplyStatus = 502;
      commitFailBeforeApply = 0;
      commitFailBeforeApplyStatus = 503;
      commitDelayMs = 0;
      failRequests = 0;
      failRequestsStatus = 503;
      failRequestsMatch = null;
    }

    synchronized void update(JsonNode body) {
      if (!body.isObject()) {
        throw new BadRequestException("Expected a JSON object");
      }
      Integer status = body.has("status") ? body.get("status").asInt() : null;
      if (body.has("commit-fail-after-apply")) {
        commitFailAfterApply = body.get("commit-fail-after-apply").asInt();
        if (status != null) {
          commitFailAfterApplyStatus = status;
        }
      }
      if (body.has("commit-fail-before-apply")) {
        commitFailBeforeApply = body.get("commit-fail-before-apply").asInt();
        if (status != null) {
          commitFailBeforeApplyStatus = status;
        }
      }
      if (body.has("fail-requests")) {
        failRequests = body.get("fail-requests").asInt();
        if (status != null) {
          failRequestsStatus = status;
        }
      }
      if (body.has("commit-fail-after-apply-status")) {
        commitFailAfterApplyStatus = body.get("commit-fail-after-apply-status").asInt();
      }
      if (body.has("commit-fail-before-apply-status")) {
        commitFailBeforeApplyStatus = body.get("commit-fail-before-apply-status").asInt();
      }
      if (body.has("fail-requests-status")) {
        failRequestsStatus = body.get("fail-requests-status").asInt();
      }
      if (body.has("fail-requests-match")) {
        JsonNode m = body.get("fail-requests-match");
        failRequestsMatch = m.isNull() || m.asText().isEmpty() ? null : Pattern.compile(m.asText());
      }
      if (body.has("commit-delay-ms")) {
        commitDelayMs = body.get("commit-delay-ms").asLong();
      }
      if (body.has("then-fail-requests")) {
        thenFailRequests = body.get("then-fail-requests").asInt();
      }
      if (body.has("commit-apply-late")) {
        commitApplyLate = body.get("commit-apply-late").asInt();
      }
      if (body.has("commit-apply-late-ms")) {
        commitApplyLateMs = body.get("commit-apply-late-ms").asLong();
      }
      if (body.has("commit-duplicate")) {
        commitDuplicate = body.get("commit-duplicate").asInt();
      }
    }

    synchronized Map<String, Object> state() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("commit-fail-after-apply", commitFailAfterApply);
      out.put("commit-fail-after-apply-status", commitFailAfterApplyStatus);
      out.put("commit-fail-before-apply", commitFailBeforeApply);
      out.put("commit-fail-before-apply-status", commitFailBeforeApplyStatus);
      out.put("commit-delay-ms", commitDelayMs);
      out.put("fail-requests", failRequests);
      out.put("fail-requests-status", failRequestsStatus);
      out.put("fail-requests-match", failRequestsMatch == null ? null : failRequestsMatch.pattern());
      out.put("then-fail-requests", thenFailRequests);
      out.put("commit-apply-late", commitApplyLate);
      out.put("commit-apply-late-ms", commitApplyLateMs);
      out.put("commit-duplicate", commitDuplicate);
      return out;
    }

    synchronized long commitDelayMs() {
      return commitDelayMs;
    }

    synchronized Integer takeCommitFailBefore() {
      if (commitFailBeforeApply <= 0) {
        return null;
      }
      commitFailBeforeApply--;
      return commitFailBeforeApplyStatus;
    }

    synchronized Long takeCommitApplyLate() {
      if (commitApplyLate <= 0) {
        return null;
      }
      commitApplyLate--;
      return commitApplyLateMs;
    }

    synchronized boolean takeCommitDuplicate() {
      if (commitDuplicate <= 0) {
        return false;
      }
      commitDuplicate--;
      return true;
    }

    synchronized Integer takeCommitFailAfter() {
      if (commitFailAfterApply <= 0) {
        return null;
      }
      commitFailAfterApply--;
      if (thenFailRequests > 0) {
        failRequests = thenFailRequests;
        thenFailRequests = 0;
      }
      return commitFailAfterApplyStatus;
    }

    synchronized Reply takeRequestFailure(String methodAndPath) {
      if (failRequests <= 0
          || (failRequestsMatch != null && !failRequestsMatch.matcher(methodAndPath).find())) {
        return null;
      }
      failRequests--;
      return error(failRequestsStatus, faultType(failRequestsStatus),
          "Injected fault: request failed with HTTP " + failRequestsStatus);
    }
  }

  // ---- helpers --------------------------------------------------------------------------

  <T> T locked(Supplier<T> action) {
    synchronized (catalogLock) {
      return action.get();
    }
  }

  <T> T read(byte[] body, Class<T> type) throws IOException {
    T value = mapper.readValue(body, type);
    if (value instanceof org.apache.iceberg.rest.RESTMessage) {
      ((org.apache.iceberg.rest.RESTMessage) value).validate();
    }
    return value;
  }

  Reply ok(Object response) {
    try {
      return new Reply(200, mapper.writeValueAsString(response));
    } catch (JsonProcessingException e) {
      throw new RuntimeException(e);
    }
  }

  static Reply error(int status, String type, String message) {
    ErrorResponse err =
        ErrorResponse.builder().responseCode(status).withType(type).withMessage(message).build();
    return new Reply(status, ErrorResponseParser.toJson(err));
  }

  static Reply noRoute(String method, String path) {
    return error(400, "BadRequestException", "No route for request: " + method + " " + path);
  }

  static Reply errorReply(Exception e) {
    int status;
    if (e instanceof NoSuchNamespaceException || e instanceof NoSuchTableException
        || e instanceof NoSuchViewException) {
      status = 404;
    } else if (e instanceof AlreadyExistsException || e instanceof CommitFailedException
        || e instanceof NamespaceNotEmptyException) {
      status = 409;
    } else if (e instanceof ValidationException || e instanceof IllegalArgumentException
        || e instanceof BadRequestException || e instanceof JsonProcessingException) {
      status = 400;
    } else if (e instanceof NotAuthorizedException) {
      status = 401;
    } else if (e instanceof ForbiddenException) {
      status = 403;
    } else if (e instanceof UnsupportedOperationException) {
      status = 406;
    } else if (e instanceof UnprocessableEntityException) {
      status = 422;
    } else {
      status = 500;
    }
    if (status == 500 && !(e instanceof CommitStateUnknownException)) {
      ERR.println("rest-catalog-server: internal error:");
      e.printStackTrace(ERR);
    }
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    return error(status, e.getClass().getSimpleName(), message);
  }

  /** A namespace path segment: levels separated by %1F, each percent-encoded. */
  static Namespace decodeNamespace(String segment) {
    String[] levels = segment.split("(?i)%1F", -1);
    for (int i = 0; i < levels.length; i++) {
      levels[i] = pctDecode(levels[i]);
    }
    return Namespace.of(levels);
  }

  /** Percent-decoding for path parts, where '+' is a plus sign. */
  static String pctDecode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** application/x-www-form-urlencoded (also query strings). */
  static Map<String, String> parseForm(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}
