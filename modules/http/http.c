/* http: the libcurl core (see http.h). No Lua here: every callback is plain C, so nothing can
 * longjmp through libcurl. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>

#include "atomic.h"
#include "http.h"
#include "interrupt.h"

#ifndef EMSOPT_VERSION
#define EMSOPT_VERSION "dev"
#endif

void http_options_init(HttpOptions *o) {
  memset(o, 0, sizeof *o);
  o->connect_timeout = 15;
  o->timeout = 0;
  o->stall = 60;
  o->min_speed = 100;
  o->max_bytes = (size_t)1 << 31;
  o->max_ratio = 200;
  o->max_redirects = 5;
  o->retries = 3;
  o->backoff = 1.0;
  o->retry_after_max = 30;
}

void http_result_free(HttpResult *r) {
  free(r->headers);
  free(r->body);
  free(r->url);
  r->headers = r->body = r->url = NULL;
  r->headers_len = r->body_len = 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void seterr(HttpResult *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
}

/* FNV-1a 64 of the URL, as 16 hex digits. */
void http_cache_key(const char *url, char key[17]) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  snprintf(key, 17, "%016llx", (unsigned long long)h);
}

/* ---- one transfer's state ---------------------------------------------------------------- */

typedef struct {
  HttpResult *r;
  const HttpOptions *o;
  FILE *f;               /* file sink, or NULL: memory sink in r->body */
  size_t body_cap;
  size_t written;
  int write_errno;       /* nonzero: the sink failed */
  char *hdr;
  size_t hdr_len, hdr_cap;
  int hdr_oom;
  int interrupted;
  int bar;               /* drawing a progress bar */
  int drawn;
  double t0, last_draw;
  /* Content-Encoding, decoded here (not by libcurl) so that its end and its size are checked */
  int started;           /* the first body bytes of this attempt arrived */
  int zmode;             /* 0: identity, 1: inflating (gzip or deflate) */
  int zdone;             /* the compressed stream ended */
  int zinit;             /* zs needs inflateEnd */
  z_stream zs;
  size_t raw;            /* bytes received on the wire (before decoding) */
  const char *limit_err; /* why write_cb stopped the transfer (a limit, a bad stream) */
} Xfer;

static size_t sink(Xfer *x, const char *ptr, size_t n) {
  if (x->o->max_bytes > 0 && x->written + n > x->o->max_bytes) {
    x->limit_err = "body larger than the limit (max_bytes)";
    return 0;
  }
  if (x->f) {
    if (n && fwrite(ptr, 1, n, x->f) != n) {
      x->write_errno = errno ? errno : EIO;
      return 0;
    }
  } else {
    HttpResult *r = x->r;
    if (r->body_len + n + 1 > x->body_cap) {
      size_t cap = x->body_cap ? x->body_cap : 16384;
      while (cap < r->body_len + n + 1) cap *= 2;
      char *nb = realloc(r->body, cap);
      if (!nb) {
        x->write_errno = ENOMEM;
        return 0;
      }
      r->body = nb;
      x->body_cap = cap;
    }
    memcpy(r->body + r->body_len, ptr, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
  }
  x->written += n;
  return n;
}

/* The final response's Content-Encoding decides how its body is read. */
static int start_body(Xfer *x);
static int find_header(const char *hdr, size_t len, const char *name, char *out, size_t outsz);

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud) {
  Xfer *x = ud;
  size_t n = size * nmemb;
  if (!x->started && start_body(x) != 0) return 0;
  x->raw += n;
  if (!x->zmode) return sink(x, ptr, n) == n ? n : 0;
  unsigned char out[65536];
  x->zs.next_in = (unsigned char *)ptr;
  x->zs.avail_in = (uInt)n;
  while (x->zs.avail_in > 0) {
    if (x->zdone) { /* another gzip member follows (concatenated members are one body) */
      if (inflateReset(&x->zs) != Z_OK) { x->limit_err = "cannot decode the compressed body"; return 0; }
      x->zdone = 0;
    }
    x->zs.next_out = out;
    x->zs.avail_out = sizeof out;
    int zr = inflate(&x->zs, Z_NO_FLUSH);
    if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && x->zs.avail_out == sizeof out)) {
      x->limit_err = "the compressed body is corrupt";
      return 0;
    }
    size_t got = sizeof out - x->zs.avail_out;
    if (got && sink(x, (const char *)out, got) != got) return 0;
    if (zr == Z_STREAM_END) x->zdone = 1;
    /* a decompression bomb: refused once it has expanded past a few megabytes */
    if (x->o->max_ratio > 0 && x->written > (size_t)1 << 22 &&
        (double)x->written > x->o->max_ratio * (double)(x->raw - x->zs.avail_in)) {
      x->limit_err = "the compressed body expands more than the limit (max_ratio: a decompression bomb?)";
      return 0;
    }
    if (zr == Z_BUF_ERROR) break;
  }
  return n;
}

static int start_body(Xfer *x) {
  char enc[64] = "";
  x->started = 1;
  if (!find_header(x->hdr, x->hdr_len, "content-encoding", enc, sizeof enc) ||
      strcasecmp(enc, "identity") == 0)
    return 0;
  if (strcasecmp(enc, "gzip") != 0 && strcasecmp(enc, "x-gzip") != 0 && strcasecmp(enc, "deflate") != 0) {
    x->limit_err = "unsupported Content-Encoding (gzip and deflate are asked for)";
    return -1;
  }
  memset(&x->zs, 0, sizeof x->zs);
  if (inflateInit2(&x->zs, 15 + 32) != Z_OK) { /* zlib or gzip header, detected */
    x->limit_err = "cannot decode the compressed body";
    return -1;
  }
  x->zinit = 1;
  x->zmode = 1;
  return 0;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *ud) {
  Xfer *x = ud;
  size_t n = size * nmemb;
  if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) x->hdr_len = 0; /* a new response (redirect) */
  if (x->hdr_len + n + 1 > x->hdr_cap) {
    size_t cap = x->hdr_cap ? x->hdr_cap * 2 : 2048;
    while (cap < x->hdr_len + n + 1) cap *= 2;
    char *nh = realloc(x->hdr, cap);
    if (!nh) {
      x->hdr_oom = 1;
      return 0;
    }
    x->hdr = nh;
    x->hdr_cap = cap;
  }
  memcpy(x->hdr + x->hdr_len, ptr, n);
  x->hdr_len += n;
  x->hdr[x->hdr_len] = '\0';
  return n;
}

static void human(double b, char *buf, size_t n) {
  static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    u++;
  }
  snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static void draw_bar(Xfer *x, double total, double got) {
  double t = now(), el = t - x->t0;
  char a[32], b[32], rate[32], eta[32] = "";
  double bps = el > 0 ? got / el : 0;
  human(got, a, sizeof a);
  human(bps, rate, sizeof rate);
  if (total > 0 && bps > 0 && got <= total) {
    long s = (long)((total - got) / bps);
    snprintf(eta, sizeof eta, "  ETA %ld:%02ld", s / 60, s % 60);
  }
  const char *label = x->o->label ? x->o->label : "";
  if (total > 0) {
    int width = 24, fill = (int)(width * (got / total));
    char bar[32];
    if (fill > width) fill = width;
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    human(total, b, sizeof b);
    fprintf(stderr, "\r\033[K%.30s [%s] %s / %s  %s/s%s", label, bar, a, b, rate, eta);
  } else {
    fprintf(stderr, "\r\033[K%.30s %s  %s/s", label, a, rate);
  }
  fflush(stderr);
  x->drawn = 1;
  x->last_draw = t;
}

static int xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  Xfer *x = ud;
  (void)ultotal;
  (void)ulnow;
  if (emsopt_interrupted()) {
    x->interrupted = 1;
    return 1; /* CURLE_ABORTED_BY_CALLBACK */
  }
  if (x->bar && now() - x->last_draw >= 0.2) draw_bar(x, (double)dltotal, (double)dlnow);
  return 0;
}

/* Case-insensitive lookup of a header in a raw block; copies the trimmed value. */
static int find_header(const char *hdr, size_t len, const char *name, char *out, size_t outsz) {
  size_t nl = strlen(name);
  const char *p = hdr, *end = hdr + len;
  int found = 0;
  while (p && p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *le = eol ? eol : end;
    if ((size_t)(le - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (v < le && (*v == ' ' || *v == '\t')) v++;
      const char *ve = le;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      size_t vl = (size_t)(ve - v);
      if (vl >= outsz) vl = outsz - 1;
      memcpy(out, v, vl);
      out[vl] = '\0';
      found = 1; /* keep going: the last one wins */
    }
    p = eol ? eol + 1 : NULL;
  }
  return found;
}

/* "404 Not Found" from the status line (HTTP/2 has no reason phrase). */
static void status_text(const Xfer *x, long status, char *out, size_t n) {
  snprintf(out, n, "HTTP %ld", status);
  if (!x->hdr || x->hdr_len < 12) return;
  const char *sp = strchr(x->hdr, ' ');
  if (!sp) return;
  sp = strchr(sp + 1, ' ');
  const char *eol = strpbrk(x->hdr, "\r\n");
  if (!sp || !eol || sp > eol) return;
  sp++;
  int rl = (int)(eol - sp);
  if (rl > 0) snprintf(out, n, "HTTP %ld %.*s", status, rl > 100 ? 100 : rl, sp);
}

/* Sleep for s seconds in small slices; 1 if interrupted. */
static int nap(double s) {
  double end = now() + s;
  while (now() < end) {
    if (emsopt_interrupted()) return 1;
    double left = end - now();
    if (left > 0.05) left = 0.05;
    if (left <= 0) break;
    struct timespec ts = {0, (long)(left * 1e9)};
    nanosleep(&ts, NULL);
  }
  return emsopt_interrupted();
}

static int is_transient(CURLcode rc) {
  return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR ||
         rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING;
}

/* ---- cache ------------------------------------------------------------------------------- */

typedef struct {
  char body[4096], meta[4096];
  char etag[512], lastmod[128];
  int have;  /* both files exist and carry a validator */
} Cache;

static void copystr(char *dst, size_t n, const char *src) {
  size_t l = strlen(src);
  if (l >= n) l = n - 1;
  memcpy(dst, src, l);
  dst[l] = '\0';
}

static void cache_load(Cache *c, const char *dir, const char *url) {
  char key[17];
  memset(c, 0, sizeof *c);
  http_cache_key(url, key);
  snprintf(c->body, sizeof c->body, "%s/%s.body", dir, key);
  snprintf(c->meta, sizeof c->meta, "%s/%s.meta", dir, key);
  FILE *m = fopen(c->meta, "rb");
  if (!m) return;
  char line[1024];
  while (fgets(line, sizeof line, m)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, "etag: ", 6) == 0) copystr(c->etag, sizeof c->etag, line + 6);
    else if (strncmp(line, "last-modified: ", 15) == 0)
      copystr(c->lastmod, sizeof c->lastmod, line + 15);
  }
  fclose(m);
  c->have = (c->etag[0] || c->lastmod[0]) && access(c->body, R_OK) == 0;
}

/* Writes the validators of the response; 0 or -1 with errno. */
static int cache_save_meta(const Cache *c, const char *url, const Xfer *x) {
  char etag[512] = "", lastmod[128] = "", buf[2048];
  find_header(x->hdr, x->hdr_len, "etag", etag, sizeof etag);
  find_header(x->hdr, x->hdr_len, "last-modified", lastmod, sizeof lastmod);
  if (!etag[0] && !lastmod[0]) {
    unlink(c->meta);
    return 0;
  }
  int n = snprintf(buf, sizeof buf, "url: %s\netag: %s\nlast-modified: %s\n", url, etag, lastmod);
  if (n < 0 || (size_t)n >= sizeof buf)
    n = snprintf(buf, sizeof buf, "etag: %s\nlast-modified: %s\n", etag, lastmod);
  return atomic_write(c->meta, buf, (size_t)n);
}

/* Copies src to dst atomically; 0 or -1 with errno. Sets *bytes. */
static int copy_file(const char *src, const char *dst, double *bytes) {
  FILE *in = fopen(src, "rb");
  if (!in) return -1;
  AtomicFile a;
  if (atomic_open(&a, dst) != 0) {
    int e = errno;
    fclose(in);
    errno = e;
    return -1;
  }
  char buf[65536];
  size_t n;
  double total = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    if (fwrite(buf, 1, n, a.f) != n) break;
    total += (double)n;
  }
  int failed = ferror(in) || ferror(a.f);
  int e = errno;
  fclose(in);
  if (failed) {
    atomic_abort(&a);
    errno = e ? e : EIO;
    return -1;
  }
  *bytes = total;
  return atomic_commit(&a);
}

static int read_file(const char *path, HttpResult *r) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 65536, len = 0, n;
  char *b = malloc(cap);
  while (b) {
    if (len + 65536 + 1 > cap) {
      char *nb = realloc(b, cap * 2);
      if (!nb) {
        free(b);
        b = NULL;
        break;
      }
      b = nb;
      cap *= 2;
    }
    n = fread(b + len, 1, 65536, f);
    len += n;
    if (n < 65536) break;
  }
  int failed = !b || ferror(f);
  fclose(f);
  if (failed) {
    free(b);
    errno = b ? EIO : ENOMEM;
    return -1;
  }
  b[len] = '\0';
  free(r->body);
  r->body = b;
  r->body_len = len;
  r->bytes = (double)len;
  return 0;
}

/* ---- the request loop --------------------------------------------------------------------- */

static int global_ready = 0;

static int transfer(const char *url, const char *path, const HttpOptions *o, HttpResult *r) {
  memset(r, 0, sizeof *r);
  double t0 = now();
  char show[260]; /* the URL in messages: a long query is cut */
  if (strlen(url) < sizeof show) {
    copystr(show, sizeof show, url);
  } else {
    memcpy(show, url, sizeof show - 4);
    memcpy(show + sizeof show - 4, "...", 4);
  }
  if (!global_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      seterr(r, "%s: libcurl initialisation failed", show);
      return -1;
    }
    global_ready = 1;
  }
  Cache cache;
  int use_cache = o->cache != NULL;
  if (use_cache) cache_load(&cache, o->cache, url);
  const char *target = path ? (use_cache ? cache.body : path) : NULL;

  Xfer x;
  memset(&x, 0, sizeof x);
  x.r = r;
  x.o = o;
  x.bar = o->progress && isatty(STDERR_FILENO);

  AtomicFile af;
  memset(&af, 0, sizeof af);
  struct curl_slist *hl = NULL;
  char ua[128], cond[700], errbuf[CURL_ERROR_SIZE];
  int ok = 0;
  CURL *c = curl_easy_init();
  if (!c) {
    seterr(r, "%s: cannot create a libcurl handle", show);
    goto done;
  }
  {
    struct curl_slist *nl = curl_slist_append(hl, "Accept-Encoding: gzip, deflate");
    if (!nl) goto oom;
    hl = nl;
  }
  for (const char *const *h = o->headers; h && *h; h++) {
    struct curl_slist *nl = curl_slist_append(hl, *h);
    if (!nl) goto oom;
    hl = nl;
  }
  if (use_cache && cache.have) {
    if (cache.etag[0]) {
      snprintf(cond, sizeof cond, "If-None-Match: %s", cache.etag);
      struct curl_slist *nl = curl_slist_append(hl, cond);
      if (!nl) goto oom;
      hl = nl;
    }
    if (cache.lastmod[0]) {
      snprintf(cond, sizeof cond, "If-Modified-Since: %s", cache.lastmod);
      struct curl_slist *nl = curl_slist_append(hl, cond);
      if (!nl) goto oom;
      hl = nl;
    }
  }
  snprintf(ua, sizeof ua, "emsopt/%s", EMSOPT_VERSION);
  errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : ua);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, o->max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, o->max_redirects);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (o->cafile) curl_easy_setopt(c, CURLOPT_CAINFO, o->cafile);
  /* compressed bodies are decoded in write_cb (their end and expansion are checked there) */
  curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  if (o->connect_timeout > 0)
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout * 1000));
  if (o->timeout > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
  if (o->stall > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->min_speed > 0 ? (long)o->min_speed : 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)ceil(o->stall));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

  if (target) {
    if (atomic_open(&af, target) != 0) {
      seterr(r, "%s: %s", target, strerror(errno));
      goto done;
    }
    x.f = af.f;
  }

  for (int attempt = 0;; attempt++) {
    double wait = -1;
    if (x.f) { /* start the temporary file over */
      if (fflush(x.f) != 0 || ftruncate(fileno(x.f), 0) != 0) {
        seterr(r, "%s: %s", target, strerror(errno));
        goto done;
      }
      rewind(x.f);
    }
    r->body_len = 0;
    x.written = 0;
    x.hdr_len = 0;
    if (x.zinit) inflateEnd(&x.zs);
    x.zinit = x.zmode = x.zdone = x.started = 0;
    x.raw = 0;
    x.limit_err = NULL;
    x.t0 = x.last_draw = now(); /* the first bar after 0.2 s: short requests draw none */
    errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    if (x.drawn) {
      fprintf(stderr, "\r\033[K");
      fflush(stderr);
      x.drawn = 0;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    r->status = status;
    int transient = 0;
    if (x.interrupted || (rc == CURLE_ABORTED_BY_CALLBACK && emsopt_interrupted())) {
      r->interrupted = 1;
      seterr(r, "%s: interrupted", show);
      goto done;
    }
    if (x.write_errno) {
      seterr(r, "%s: %s", target ? target : show, strerror(x.write_errno));
      goto done;
    }
    if (x.hdr_oom) goto oom;
    if (x.limit_err) { /* a limit or a corrupt body: trying again would give the same */
      seterr(r, "%s: %s", show, x.limit_err);
      goto done;
    }
    if (rc != CURLE_OK) {
      seterr(r, "%s: %s", show, errbuf[0] ? errbuf : curl_easy_strerror(rc));
      transient = is_transient(rc);
    } else if (status == 304 && use_cache && cache.have) {
      r->cached = 1;
      ok = 1;
    } else if (status >= 200 && status < 300) {
      curl_off_t cl = -1;
      curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
      if (!x.started && start_body(&x) != 0) { /* an empty body */
        seterr(r, "%s: %s", show, x.limit_err);
        goto done;
      }
      if (cl >= 0 && (curl_off_t)x.raw != cl) { /* on the wire, compressed or not */
        seterr(r, "%s: received %zu bytes, Content-Length says %lld", show, x.raw,
               (long long)cl);
        transient = 1;
      } else if (x.zmode && !x.zdone) {
        seterr(r, "%s: the compressed body ends early (%zu bytes received, the stream is not complete)",
               show, x.raw);
        transient = 1;
      } else {
        ok = 1;
      }
    } else {
      char st[160];
      status_text(&x, status, st, sizeof st);
      seterr(r, "%s: %s", show, st);
      transient = status == 429 || status >= 500;
      char ra[64];
      if (transient && find_header(x.hdr, x.hdr_len, "retry-after", ra, sizeof ra)) {
        char *endp;
        double s = strtod(ra, &endp);
        if (endp != ra && *endp == '\0' && s >= 0 && s <= o->retry_after_max) wait = s;
      }
    }
    if (ok) break;
    if (!transient || attempt >= o->retries) {
      if (attempt > 0) {
        size_t l = strlen(r->error);
        snprintf(r->error + l, sizeof r->error - l, " (after %d %s)", attempt,
                 attempt == 1 ? "retry" : "retries");
      }
      goto done;
    }
    if (wait < 0) wait = fmin(o->backoff * pow(2, attempt), 60);
    if (nap(wait)) {
      r->interrupted = 1;
      seterr(r, "%s: interrupted", show);
      goto done;
    }
    r->retries++;
  }

  /* success: headers, effective URL, the body where it belongs */
  {
    char *eff = NULL;
    curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
    r->url = strdup(eff ? eff : url);
    if (!r->url) goto oom;
    r->headers = x.hdr;
    r->headers_len = x.hdr_len;
    x.hdr = NULL;
    r->bytes = (double)x.written;
  }
  if (r->cached) {
    if (af.f) atomic_abort(&af);
    if (path) {
      if (copy_file(cache.body, path, &r->bytes) != 0) {
        seterr(r, "%s: %s", path, strerror(errno));
        ok = 0;
      }
    } else if (read_file(cache.body, r) != 0) {
      seterr(r, "%s: %s", cache.body, strerror(errno));
      ok = 0;
    }
    goto done;
  }
  if (af.f && atomic_commit(&af) != 0) {
    seterr(r, "%s: %s", target, strerror(errno));
    ok = 0;
    goto done;
  }
  if (use_cache) {
    Xfer hx = x;
    hx.hdr = r->headers;
    hx.hdr_len = r->headers_len;
    int failed = 0;
    if (!path) failed = atomic_write(cache.body, r->body ? r->body : "", r->body_len) != 0;
    if (!failed) failed = cache_save_meta(&cache, url, &hx) != 0;
    if (failed) {
      seterr(r, "%s: %s", o->cache, strerror(errno));
      ok = 0;
      goto done;
    }
    if (path && copy_file(cache.body, path, &r->bytes) != 0) {
      seterr(r, "%s: %s", path, strerror(errno));
      ok = 0;
    }
  }
  goto done;

oom:
  seterr(r, "%s: out of memory", show);
  ok = 0;
done:
  if (af.f || af.tmp) atomic_abort(&af);
  curl_slist_free_all(hl);
  if (c) curl_easy_cleanup(c);
  if (x.zinit) inflateEnd(&x.zs);
  free(x.hdr);
  if (!ok && path == NULL) {
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
  }
  r->seconds = now() - t0;
  return ok ? 0 : -1;
}

int http_get(const char *url, const HttpOptions *o, HttpResult *r) {
  return transfer(url, NULL, o, r);
}

int http_download(const char *url, const char *path, const HttpOptions *o, HttpResult *r) {
  return transfer(url, path, o, r);
}
