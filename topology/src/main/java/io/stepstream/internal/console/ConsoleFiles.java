package io.stepstream.internal.console;

import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The console's static files ({@code io/stepstream/console/*} on the classpath) under {@code
 * /console/}: plain HTML, CSS and JavaScript, no build step, nothing from other origins. They hold
 * no data (that comes from {@code /api}, behind sign-in), so they are served to anyone; a strict
 * Content-Security-Policy keeps injected markup from running scripts.
 */
final class ConsoleFiles implements HttpRoute {
  private static final String BASE = "io/stepstream/console/";
  private static final Pattern NAME = Pattern.compile("[a-z0-9-]+\\.(html|css|js|svg)");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "svg", "image/svg+xml");
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
      + " form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  @Override
  public HttpReply handle(HttpCall call) throws IOException {
    if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET or HEAD");
    }
    if (!call.path().startsWith("/console/")) {
      return HttpReply.text(302, "the console is at /console/\n").withHeader("Location", "/console/");
    }
    String name = call.pathAfterPrefix().isEmpty() ? "index.html" : call.pathAfterPrefix();
    if (!NAME.matcher(name).matches()) {
      throw HttpProblem.notFound("no console file " + name + "; open /console/");
    }
    byte[] body;
    try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(BASE + name)) {
      if (in == null) {
        throw HttpProblem.notFound("no console file " + name + "; open /console/");
      }
      body = in.readAllBytes();
    }
    return HttpReply.bytes(200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), body)
        .withHeader("Content-Security-Policy", CSP)
        .withHeader("X-Content-Type-Options", "nosniff")
        .withHeader("Referrer-Policy", "no-referrer");
  }
}
