package io.stepstream.internal.http;

/**
 * An HTTP answer other than success, with a message for people: the endpoint answers it as JSON
 * {@code {"status":404,"error":"..."}}. Say what was wrong and what to do, naming the run.
 */
public final class HttpProblem extends RuntimeException {
  private final int status;

  public HttpProblem(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static HttpProblem badRequest(String message) {
    return new HttpProblem(400, message);
  }

  public static HttpProblem notFound(String message) {
    return new HttpProblem(404, message);
  }

  public static HttpProblem methodNotAllowed(String method, String path, String allowed) {
    return new HttpProblem(405, method + " is not allowed on " + path + "; use " + allowed);
  }
}
