/* http: GET over libcurl with timeouts, bounded redirects, retries with backoff, atomic downloads,
 * conditional requests against a cache directory, a terminal progress bar and the host's
 * interrupt flag. Plain C: knows nothing of Lua (lua_http.c is the binding).
 *
 * Policy (not configurable): TLS peer and host verification are always on (the system CA bundle,
 * or an extra CA file given in cafile); only http and https, also across redirects; gzip and
 * deflate bodies are asked for and decoded here with zlib, so that a body cut short is an error
 * whether compressed (the stream must end) or not (the bytes on the wire must match
 * Content-Length), and a decompression bomb is refused (max_bytes, max_ratio); proxies come from
 * the environment (http_proxy, https_proxy, no_proxy: libcurl's default). */
#ifndef EMSOPT_HTTP_H
#define EMSOPT_HTTP_H

#include <stddef.h>

typedef struct {
  double connect_timeout;  /* seconds to establish the connection (0 = libcurl default, 300) */
  double timeout;          /* seconds for the whole transfer, per attempt (0 = no limit) */
  double stall;            /* abort when fewer than min_speed bytes a second arrive for this many
                              seconds (0 = never) */
  double min_speed;        /* bytes a second (100): a server trickling less has stalled */
  size_t max_bytes;        /* largest body accepted after decoding (0 = no limit; 2 GiB) */
  double max_ratio;        /* a compressed body may expand at most this many times (0 = no
                              limit; 200): checked once 4 MiB are decoded, a bomb stops early */
  long max_redirects;      /* redirects followed; more is an error */
  int retries;             /* extra attempts after 5xx, 429, timeouts and broken transfers */
  double backoff;          /* first wait in seconds; doubles after each attempt */
  double retry_after_max;  /* a Retry-After up to this many seconds is honoured */
  const char *const *headers; /* "Name: value" strings, NULL-terminated, or NULL */
  const char *user_agent;  /* NULL: "emsopt/VERSION" */
  const char *cafile;      /* extra CA bundle (verification stays on), or NULL */
  const char *cache;       /* cache directory for conditional requests, or NULL */
  int progress;            /* draw a progress bar on stderr (only when it is a terminal) */
  const char *label;       /* name shown by the progress bar */
} HttpOptions;

void http_options_init(HttpOptions *o);

typedef struct {
  long status;             /* HTTP status of the final response (0 if none) */
  char *headers;           /* raw header block of the final response (malloc'ed) */
  size_t headers_len;
  char *body;              /* http_get: the body (malloc'ed, NUL-terminated) */
  size_t body_len;
  double bytes;            /* body bytes received (after decoding) */
  double seconds;          /* wall time of all attempts, waits included */
  int retries;             /* attempts beyond the first */
  int cached;              /* 1: 304 Not Modified, the body came from the cache */
  int interrupted;         /* 1: stopped by the interrupt flag */
  char *url;               /* effective URL after redirects (malloc'ed) */
  char error[1024];         /* message when the call failed */
} HttpResult;

/* Both return 0 on success (a 2xx response, or 304 served from the cache) and -1 with r->error
 * set otherwise; r must be released with http_result_free in every case. */
int http_get(const char *url, const HttpOptions *o, HttpResult *r);
/* Streams into a temporary file beside path; checks the length against Content-Length; renames.
 * A failed, truncated or interrupted transfer never leaves a file under path. */
int http_download(const char *url, const char *path, const HttpOptions *o, HttpResult *r);
void http_result_free(HttpResult *r);

/* Cache file names for a URL: DIR/HEX.body and DIR/HEX.meta (buf gets the HEX key). */
void http_cache_key(const char *url, char key[17]);

#endif
