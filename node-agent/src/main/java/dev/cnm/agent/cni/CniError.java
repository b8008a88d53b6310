package dev.cnm.agent.cni;

import com.google.gson.JsonObject;

/**
 * A CNI error result: the specification's code (1 incompatible version, 2 unsupported field in
 * the network configuration, 3 container unknown, 4 invalid environment variables, 5 I/O
 * failure, 6 failure to decode, 7 invalid network configuration, 11 try again later, 50 not
 * available (STATUS); 100 and up
 * are this plugin's own), a message naming the field at fault, and details.
 */
public final class CniError extends RuntimeException {
  public static final int INCOMPATIBLE_VERSION = 1;
  public static final int UNSUPPORTED_FIELD = 2;
  public static final int UNKNOWN_CONTAINER = 3;
  public static final int INVALID_ENVIRONMENT = 4;
  public static final int IO_FAILURE = 5;
  public static final int DECODE_FAILURE = 6;
  public static final int INVALID_CONFIG = 7;
  public static final int TRY_AGAIN_LATER = 11;
  /** STATUS: the plugin cannot serve ADD now (CNI 1.1). */
  public static final int NOT_AVAILABLE = 50;
  /** cnm's own: the controller refused or failed the operation; details carry its reason. */
  public static final int CNM_FAILURE = 100;
  /** cnm's own: CHECK found the namespace differing from what cnm attached. */
  public static final int CHECK_FAILED = 101;

  private final int code;
  private final String details;

  public CniError(int code, String message, String details) {
    super(message);
    this.code = code;
    this.details = details == null ? "" : details;
  }

  public CniError(int code, String message) {
    this(code, message, "");
  }

  public int code() {
    return code;
  }

  public String details() {
    return details;
  }

  /** The error object the plugin prints, in {@code cniVersion} (the configuration's, when it was readable). */
  public JsonObject toJson(String cniVersion) {
    JsonObject o = new JsonObject();
    o.addProperty("cniVersion", cniVersion);
    o.addProperty("code", code);
    o.addProperty("msg", getMessage());
    if (!details.isEmpty()) {
      o.addProperty("details", details);
    }
    return o;
  }
}
