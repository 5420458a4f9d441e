// FileIO used by the test REST catalog server (RestCatalogServer.java) to read and write table
// metadata, manifests and, on purge, to delete files. It handles local paths (`/x`, `file:/x`,
// `file:///x`) through java.nio and `s3://bucket/key` (also s3a://, s3n://) through plain HTTP
// against a path-style S3 endpoint such as the tests' moto server, signed with AWS SigV4.
//
// Iceberg's own S3FileIO needs the AWS SDK v2, which the test environment does not have; this
// class needs only the JDK. Files are read and written whole in memory: the server only touches
// metadata files and manifests, which are small.
//
// Properties (from the catalog's): s3.endpoint (required for s3:// locations),
// s3.access-key-id, s3.secret-access-key, s3.region (default: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION from the environment; without keys requests go unsigned).

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

public class SimpleFileIO implements FileIO {
  private Map<String, String> properties = new HashMap<>();
  private transient HttpClient http;
  private String endpoint;
  private String accessKey;
  private String secretKey;
  private String region;

  public SimpleFileIO() {}

  @Override
  public void initialize(Map<String, String> props) {
    this.properties = new HashMap<>(props);
    this.endpoint = props.get("s3.endpoint");
    this.accessKey = props.getOrDefault("s3.access-key-id", System.getenv("AWS_ACCESS_KEY_ID"));
    this.secretKey = props.getOrDefault("s3.secret-access-key", System.getenv("AWS_SECRET_ACCESS_KEY"));
    String envRegion = System.getenv("AWS_REGION");
    this.region = props.getOrDefault("s3.region", envRegion != null ? envRegion : "us-east-1");
  }

  @Override
  public Map<String, String> properties() {
    return properties;
  }

  @Override
  public InputFile newInputFile(String location) {
    return new Input(location);
  }

  @Override
  public OutputFile newOutputFile(String location) {
    return new Output(location);
  }

  @Override
  public void deleteFile(String location) {
    if (isS3(location)) {
      int status = s3("DELETE", location, null, false).statusCode();
      if (status != 204 && status != 200 && status != 404) {
        throw new UncheckedIOException(new IOException("S3 DELETE " + location + ": HTTP " + status));
      }
    } else {
      try {
        Files.deleteIfExists(localPath(location));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  // ---- locations ------------------------------------------------------------------------

  static boolean isS3(String location) {
    return location.startsWith("s3://") || location.startsWith("s3a://") || location.startsWith("s3n://");
  }

  static Path localPath(String location) {
    String p = location;
    if (p.startsWith("file://")) {
      p = p.substring("file://".length());
    } else if (p.startsWith("file:")) {
      p = p.substring("file:".length());
    }
    return Paths.get(p);
  }

  // ---- reading and writing whole files --------------------------------------------------

  private byte[] readAll(String location) {
    if (isS3(location)) {
      HttpResponse<byte[]> r = s3("GET", location, null, false);
      if (r.statusCode() == 404) {
        throw new NotFoundException("File does not exist: %s", location);
      }
      if (r.statusCode() != 200) {
        throw new UncheckedIOException(new IOException("S3 GET " + location + ": HTTP " + r.statusCode()));
      }
      return r.body();
    }
    try {
      return Files.readAllBytes(localPath(location));
    } catch (NoSuchFileException e) {
      throw new NotFoundException(e, "File does not exist: %s", location);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeAll(String location, byte[] data, boolean overwrite) {
    if (isS3(location)) {
      HttpResponse<byte[]> r = s3("PUT", location, data, !overwrite);
      if (r.statusCode() == 412) {
        throw new AlreadyExistsException("File already exists: %s", location);
      }
      if (r.statusCode() != 200) {
        throw new UncheckedIOException(new IOException("S3 PUT " + location + ": HTTP " + r.statusCode()));
      }
      return;
    }
    Path target = localPath(location);
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".tmp-", ".part");
      try {
        Files.write(tmp, data);
        if (overwrite) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
          // A hard link fails if the target exists, which gives create() its no-clobber meaning.
          Files.createLink(target, tmp);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (FileAlreadyExistsException e) {
      throw new AlreadyExistsException("File already exists: %s", location);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long length(String location) {
    if (isS3(location)) {
      HttpResponse<byte[]> r = s3("HEAD", location, null, false);
      if (r.statusCode() == 404) {
        throw new NotFoundException("File does not exist: %s", location);
      }
      return r.headers().firstValueAsLong("Content-Length").orElse(0L);
    }
    try {
      return Files.size(localPath(location));
    } catch (NoSuchFileException e) {
      throw new NotFoundException(e, "File does not exist: %s", location);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean exists(String location) {
    if (isS3(location)) {
      return s3("HEAD", location, null, false).statusCode() == 200;
    }
    return Files.exists(localPath(location));
  }

  private class Input implements InputFile {
    private final String location;

    Input(String location) {
      this.location = location;
    }

    @Override
    public long getLength() {
      return length(location);
    }

    @Override
    public SeekableInputStream newStream() {
      return new BytesInputStream(readAll(location));
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean exists() {
      return SimpleFileIO.this.exists(location);
    }
  }

  private class Output implements OutputFile {
    private final String location;

    Output(String location) {
      this.location = location;
    }

    @Override
    public PositionOutputStream create() {
      if (SimpleFileIO.this.exists(location)) {
        throw new AlreadyExistsException("File already exists: %s", location);
      }
      return new BufferedOutput(location, false);
    }

    @Override
    public PositionOutputStream createOrOverwrite() {
      return new BufferedOutput(location, true);
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public InputFile toInputFile() {
      return new Input(location);
    }
  }

  private class BufferedOutput extends PositionOutputStream {
    private final String location;
    private final boolean overwrite;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private boolean closed;

    BufferedOutput(String location, boolean overwrite) {
      this.location = location;
      this.overwrite = overwrite;
    }

    @Override
    public long getPos() {
      return buffer.size();
    }

    @Override
    public void write(int b) {
      buffer.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      buffer.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        try {
          writeAll(location, buffer.toByteArray(), overwrite);
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
    }
  }

  private static class BytesInputStream extends SeekableInputStream {
    private final byte[] data;
    private int pos;

    BytesInputStream(byte[] data) {
      this.data = data;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos < 0 || newPos > data.length) {
        throw new IOException("Seek out of range: " + newPos + " (length " + data.length + ")");
      }
      pos = (int) newPos;
    }

    @Override
    public int read() {
      return pos < data.length ? (data[pos++] & 0xff) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (pos >= data.length) {
        return -1;
      }
      int n = Math.min(len, data.length - pos);
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  // ---- S3 over HTTP ---------------------------------------------------------------------

  private synchronized HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }
    return http;
  }

  private HttpResponse<byte[]> s3(String method, String location, byte[] body, boolean ifNoneMatch) {
    if (endpoint == null) {
      throw new IllegalStateException("s3:// location but no s3.endpoint configured: " + location);
    }
    String rest = location.substring(location.indexOf("://") + 3);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    StringBuilder path = new StringBuilder();
    String base = endpoint.replaceAll("/+$", "");
    URI baseUri = URI.create(base);
    if (baseUri.getRawPath() != null) {
      path.append(baseUri.getRawPath());
    }
    path.append('/').append(encode(bucket));
    for (String segment : key.split("/", -1)) {
      path.append('/').append(encode(segment));
    }
    URI uri = URI.create(baseUri.getScheme() + "://" + baseUri.getRawAuthority() + path);

    byte[] payload = body == null ? new byte[0] : body;
    HttpRequest.Builder req = HttpRequest.newBuilder(uri);
    switch (method) {
      case "PUT":
        req.PUT(HttpRequest.BodyPublishers.ofByteArray(payload));
        req.header("Content-Type", "application/octet-stream");
        break;
      case "HEAD":
        req.method("HEAD", HttpRequest.BodyPublishers.noBody());
        break;
      case "DELETE":
        req.DELETE();
        break;
      default:
        req.GET();
    }
    if (ifNoneMatch) {
      req.header("If-None-Match", "*");
    }
    if (accessKey != null && secretKey != null) {
      sign(req, method, uri, path.toString(), payload);
    }
    try {
      return http().send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeException(e);
    }
  }

  /** AWS's UriEncode of one path segment or query name or value: all but A-Za-z0-9-_.~ as %XX. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
  }

  /** AWS Signature Version 4 over host, x-amz-content-sha256 and x-amz-date. */
  private void sign(HttpRequest.Builder req, String method, URI uri, String canonicalPath, byte[] payload) {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    String amzDate = now.format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
    String day = amzDate.substring(0, 8);
    String payloadHash = hex(sha256(payload));
    String host = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    TreeMap<String, String> headers = new TreeMap<>();
    headers.put("host", host);
    headers.put("x-amz-content-sha256", payloadHash);
    headers.put("x-amz-date", amzDate);
    StringBuilder canonicalHeaders = new StringBuilder();
    headers.forEach((k, v) -> canonicalHeaders.append(k).append(':').append(v).append('\n'));
    String signedHeaders = String.join(";", headers.keySet());
    String canonicalRequest = method + "\n" + canonicalPath + "\n\n" + canonicalHeaders + "\n"
        + signedHeaders + "\n" + payloadHash;
    String scope = day + "/" + region + "/s3/aws4_request";
    String signature = signature(secretKey, amzDate, region, "s3", canonicalRequest);
    req.header("x-amz-content-sha256", payloadHash);
    req.header("x-amz-date", amzDate);
    req.header("Authorization", "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope
        + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
  }

  /**
   * The SigV4 signature (lowercase hex) of a canonical request: the string to sign over the
   * credential scope DAY/REGION/SERVICE/aws4_request, with the key derived from the secret.
   * Also used by SigV4Verifier (the test server's --sigv4).
   */
  static String signature(String secret, String amzDate, String region, String service,
      String canonicalRequest) {
    return hex(hmac(signingKey(secret, amzDate.substring(0, 8), region, service),
        stringToSign(amzDate, region, service, canonicalRequest)));
  }

  static String stringToSign(String amzDate, String region, String service, String canonicalRequest) {
    String scope = amzDate.substring(0, 8) + "/" + region + "/" + service + "/aws4_request";
    return "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
        + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] signingKey(String secret, String day, String region, String service) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), day);
    k = hmac(k, region);
    k = hmac(k, service);
    return hmac(k, "aws4_request");
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
