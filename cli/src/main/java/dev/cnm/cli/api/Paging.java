package dev.cnm.cli.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Follows the API's page tokens until the last page, for the list commands. */
final class Paging {
  /** One page: its items and the token of the next one ("" after the last). */
  record Page<T>(List<T> items, String nextToken) {}

  private Paging() {}

  /** Every item, calling {@code fetch} with "" first and then with each next token. */
  static <T> List<T> all(Function<String, Page<T>> fetch) {
    List<T> all = new ArrayList<>();
    String token = "";
    do {
      Page<T> page = fetch.apply(token);
      all.addAll(page.items());
      token = page.nextToken();
    } while (!token.isEmpty());
    return all;
  }
}
