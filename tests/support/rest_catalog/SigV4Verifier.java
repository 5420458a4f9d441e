// AWS Signature Version 4 checks for the test REST catalog server (RestCatalogServer.java,
// option --sigv4 ACCESS_KEY:SECRET_KEY). It recomputes the signature of each request as AWS's
// services do for a non-S3 service such as Glue's Iceberg REST endpoint:
//
//   canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
//                       signed headers \n payload hash
//
// - canonical URI: the path exactly as sent (never percent-decoded first: the REST spec's %1F
//   namespace separator stays %1F), with "." and ".." segments and repeated slashes removed,
//   then URI-encoded once more with '/' kept, e.g. /v1/namespaces/a%1Fb -> /v1/namespaces/a%251Fb
//   (AWS: "each path segment must be URI-encoded twice, except for Amazon S3"; botocore's
//   SigV4Auth, the AWS SDKs and Iceberg's RESTSigV4Signer all do so);
// - canonical query: each name and value decoded (a '+' as a space, as the server reads them)
//   and URI-encoded, sorted by name then value, "name=value" joined with '&';
// - canonical headers: the signed ones, lowercase names, values trimmed with inner runs of
//   spaces collapsed, repeated headers joined with ','; SignedHeaders must be lowercase, sorted
//   and include host and x-amz-date (and x-amz-content-sha256 when it is sent);
// - payload hash: x-amz-content-sha256 when sent (it must then be the body's SHA-256), else the
//   body's SHA-256.
//
// x-amz-date must be within 15 minutes of the server's clock and its day must be the
// credential's; x-amz-security-token is allowed (signed or not) and not checked. A failure
// names the part that was wrong, never the secret; a signature mismatch also gives the canonical
// request and the string to sign the server expected, as AWS does.

import com.sun.net.httpserver.Headers;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

final class SigV4Verifier {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final long MAX_SKEW_MILLIS = 15 * 60 * 1000L;
  static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  static final Pattern LOWER_HEX_64 = Pattern.compile("[0-9a-f]{64}");

  /** Why a request was refused: the error type for the JSON body and a message. */
  record Failure(String type, String message) {}

  final Map<String, String> keys = new LinkedHashMap<>(); // access key id -> secret
  String region = "us-east-1";
  String service = "glue";

  boolean enabled() {
    return !keys.isEmpty();
  }

  /** null when the request carries a valid signature, else why not. */
  Failure verify(String method, String rawPath, String rawQuery, Headers headers, byte[] body,
      long nowMillis) {
    List<String> authorizations = headers.get("Authorization");
    if (authorizations == null || authorizations.isEmpty()) {
      return unauthorized("missing Authorization header: requests must be signed with AWS "
          + "Signature Version 4 (" + ALGORITHM + ")");
    }
    if (authorizations.size() > 1) {
      return unauthorized("more than one Authorization header");
    }
    String auth = authorizations.get(0).trim();
    if (!auth.startsWith(ALGORITHM + " ")) {
      int space = auth.indexOf(' ');
      return unauthorized("Authorization header is not " + ALGORITHM + " (scheme '"
          + (space < 0 ? auth : auth.substring(0, space)) + "')");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : auth.substring(ALGORITHM.length()).split(",")) {
      String item = part.trim();
      int eq = item.indexOf('=');
      if (eq <= 0) {
        return unauthorized("malformed Authorization header: '" + item + "' is not NAME=VALUE");
      }
      fields.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
    }
    for (String name : List.of("Credential", "SignedHeaders", "Signature")) {
      if (!fields.containsKey(name) || fields.get(name).isEmpty()) {
        return unauthorized("malformed Authorization header: no " + name + "=");
      }
    }

    String[] scope = fields.get("Credential").split("/", -1);
    if (scope.length != 5) {
      return unauthorized("malformed Credential '" + fields.get("Credential")
          + "': expected ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request");
    }
    String keyId = scope[0];
    String secret = keys.get(keyId);
    if (secret == null) {
      return unauthorized("unknown access key id '" + keyId + "'");
    }

    String amzDate = headers.getFirst("x-amz-date");
    if (amzDate == null) {
      return unauthorized("missing x-amz-date header");
    }
    long signedAt;
    try {
      signedAt = Instant.from(AMZ_DATE.parse(amzDate.trim())).toEpochMilli();
    } catch (DateTimeParseException e) {
      return unauthorized("malformed x-amz-date '" + amzDate + "': expected YYYYMMDD'T'HHMMSS'Z'");
    }
    amzDate = amzDate.trim();
    if (Math.abs(nowMillis - signedAt) > MAX_SKEW_MILLIS) {
      return unauthorized("signature expired or not yet valid: x-amz-date " + amzDate
          + " is more than 15 minutes from the server's time "
          + AMZ_DATE.format(Instant.ofEpochMilli(nowMillis)));
    }
    if (!scope[1].equals(amzDate.substring(0, 8))) {
      return forbidden("credential scope date '" + scope[1] + "' is not the day of x-amz-date "
          + amzDate);
    }
    if (!scope[2].equals(region)) {
      return forbidden("credential scope region '" + scope[2] + "' is wrong: this server expects '"
          + region + "'");
    }
    if (!scope[3].equals(service)) {
      return forbidden("credential scope service '" + scope[3]
          + "' is wrong: this server expects '" + service + "'");
    }
    if (!scope[4].equals("aws4_request")) {
      return forbidden("credential scope must end with aws4_request, not '" + scope[4] + "'");
    }

    List<String> signed = Arrays.asList(fields.get("SignedHeaders").split(";", -1));
    for (int i = 0; i < signed.size(); i++) {
      String name = signed.get(i);
      if (name.isEmpty() || !name.equals(name.toLowerCase())) {
        return forbidden("SignedHeaders '" + fields.get("SignedHeaders")
            + "' must be lowercase header names separated by ';'");
      }
      if (i > 0 && signed.get(i - 1).compareTo(name) >= 0) {
        return forbidden("SignedHeaders '" + fields.get("SignedHeaders")
            + "' must be sorted, without repeats");
      }
      if (headers.get(name) == null) {
        return forbidden("signed header '" + name + "' is not in the request");
      }
    }
    for (String needed : List.of("host", "x-amz-date")) {
      if (!signed.contains(needed)) {
        return forbidden("header '" + needed + "' must be signed (SignedHeaders: "
            + fields.get("SignedHeaders") + ")");
      }
    }

    String bodyHash = SimpleFileIO.hex(SimpleFileIO.sha256(body));
    String payloadHash = bodyHash;
    String claimed = headers.getFirst("x-amz-content-sha256");
    if (claimed != null) {
      claimed = claimed.trim();
      if (!signed.contains("x-amz-content-sha256")) {
        return forbidden("header 'x-amz-content-sha256' is sent but not signed");
      }
      if (!LOWER_HEX_64.matcher(claimed).matches()) {
        return forbidden("x-amz-content-sha256 '" + claimed + "' is not supported here: it must "
            + "be the body's SHA-256 in lowercase hex");
      }
      if (!claimed.equals(bodyHash)) {
        return forbidden("x-amz-content-sha256 " + claimed + " does not match the body's SHA-256 "
            + bodyHash + " (" + body.length + " bytes)");
      }
      payloadHash = claimed;
    }

    StringBuilder canonicalHeaders = new StringBuilder();
    for (String name : signed) {
      List<String> values = new ArrayList<>();
      for (String v : headers.get(name)) {
        values.add(v.trim().replaceAll("\\s+", " "));
      }
      canonicalHeaders.append(name).append(':').append(String.join(",", values)).append('\n');
    }
    String query;
    try {
      query = canonicalQuery(rawQuery);
    } catch (IllegalArgumentException e) {
      return unauthorized("malformed query string: " + e.getMessage());
    }
    String tail = "\n" + query + "\n" + canonicalHeaders + "\n"
        + fields.get("SignedHeaders") + "\n" + payloadHash;
    String canonicalRequest = method + "\n" + canonicalUri(rawPath, true) + tail;
    String expected = SimpleFileIO.signature(secret, amzDate, region, service, canonicalRequest);
    String given = fields.get("Signature");
    if (MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII))) {
      return null;
    }
    String hint = "";
    String once = method + "\n" + canonicalUri(rawPath, false) + tail;
    if (SimpleFileIO.signature(secret, amzDate, region, service, once).equals(given)) {
      hint = " It matches a canonical URI encoded only once (as for S3): this service wants "
          + "the path as sent URI-encoded again.";
    }
    return forbidden("the request signature does not match the one the server calculated for "
        + "access key id '" + keyId + "'." + hint + " The canonical request should have been\n'"
        + canonicalRequest + "'\nand the string to sign\n'"
        + SimpleFileIO.stringToSign(amzDate, region, service, canonicalRequest) + "'");
  }

  /** The path as sent, dot segments and repeated slashes removed, encoded again if `twice`. */
  static String canonicalUri(String rawPath, boolean twice) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    List<String> out = new ArrayList<>();
    for (String segment : rawPath.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(twice ? SimpleFileIO.encode(segment) : segment);
    }
    String path = "/" + String.join("/", out);
    if (rawPath.endsWith("/") && !out.isEmpty()) {
      path += "/";
    }
    return path;
  }

  static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> pairs = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      pairs.add(new String[] {
          SimpleFileIO.encode(URLDecoder.decode(k, StandardCharsets.UTF_8)),
          SimpleFileIO.encode(URLDecoder.decode(v, StandardCharsets.UTF_8))});
    }
    pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    List<String> joined = new ArrayList<>();
    for (String[] p : pairs) {
      joined.add(p[0] + "=" + p[1]);
    }
    return String.join("&", joined);
  }

  static Failure unauthorized(String message) {
    return new Failure("NotAuthorizedException", "SigV4: " + message);
  }

  static Failure forbidden(String message) {
    return new Failure("ForbiddenException", "SigV4: " + message);
  }
}
