/* C core test of http: options, cache keys, failures that need no network (a refused port,
 * a refused protocol, an unwritable path), and the interrupt flag stopping a retry wait. */
#include "check.h"
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "http.h"
#include "interrupt.h"

/* a local port with nothing listening (bound, then closed) */
static int closed_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &n) != 0)
    return 9;
  close(s);
  return ntohs(a.sin_port);
}

int main(void) {
  HttpOptions o;
  HttpResult r;
  http_options_init(&o);
  CHECK(o.retries == 3 && o.max_redirects == 5 && o.connect_timeout == 15 && o.stall == 60);

  char k1[17], k2[17], k3[17];
  http_cache_key("http://example.org/a", k1);
  http_cache_key("http://example.org/a", k2);
  http_cache_key("http://example.org/b", k3);
  CHECK(strlen(k1) == 16 && strcmp(k1, k2) == 0 && strcmp(k1, k3) != 0);

  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", closed_port());
  o.retries = 0;
  CHECK(http_get(url, &o, &r) == -1);
  CHECK(strncmp(r.error, url, strlen(url)) == 0 && strstr(r.error, "Failed to connect") != NULL);
  CHECK(r.body == NULL && r.status == 0 && r.retries == 0);
  http_result_free(&r);

  CHECK(http_get("ftp://127.0.0.1/x", &o, &r) == -1);
  CHECK(strstr(r.error, "ftp://127.0.0.1/x: ") == r.error);
  http_result_free(&r);

  CHECK(http_download(url, "/nonexistent-dir/x.csv", &o, &r) == -1);
  CHECK(strncmp(r.error, "/nonexistent-dir/x.csv", 22) == 0);
  http_result_free(&r);

  /* a pending interrupt stops the transfer before it begins to wait on anything */
  emsopt_interrupt_raise(2);
  o.retries = 5;
  o.backoff = 10;
  CHECK(http_get(url, &o, &r) == -1);
  CHECK(r.interrupted == 1 && r.seconds < 5);
  http_result_free(&r);
  emsopt_interrupt_consume();

  return check_done();
}
