package dev.cnm.agent.localapi;

/** Answers one request of the local API. A handler that throws gets a 500 with the message. */
@FunctionalInterface
public interface LocalApiHandler {
  HttpResponse handle(HttpRequest request);
}
