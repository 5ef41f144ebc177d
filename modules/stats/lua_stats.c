/* Lua binding of the stats core: Poisson and gamma functions, intervals, tests, Erlang, and
 * the generator userdata "stats.rng". */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "stats.h"

int luaopen_stats(lua_State *L);

#define RNG_TNAME "stats.rng"

/* ---- argument helpers ------------------------------------------------------------------- */

static double check_mean(lua_State *L, int arg) {
  double mu = luaL_checknumber(L, arg);
  luaL_argcheck(L, isfinite(mu) && mu >= 0, arg, "mean must be finite and >= 0");
  return mu;
}

static double check_prob(lua_State *L, int arg) {
  double p = luaL_checknumber(L, arg);
  luaL_argcheck(L, p >= 0 && p <= 1, arg, "probability must be in [0, 1]");
  return p;
}

static double check_open01(lua_State *L, int arg, const char *msg) {
  double p = luaL_checknumber(L, arg);
  luaL_argcheck(L, p > 0 && p < 1, arg, msg);
  return p;
}

static double check_shape(lua_State *L, int arg) {
  double a = luaL_checknumber(L, arg);
  luaL_argcheck(L, isfinite(a) && a > 0, arg, "shape must be finite and > 0");
  return a;
}

static double check_load(lua_State *L, int arg) {
  double a = luaL_checknumber(L, arg);
  luaL_argcheck(L, isfinite(a) && a >= 0, arg, "load must be finite and >= 0");
  return a;
}

static long check_servers(lua_State *L, int arg) {
  lua_Integer c = luaL_checkinteger(L, arg);
  luaL_argcheck(L, c >= 0 && c <= 100000000, arg, "servers must be in [0, 1e8]");
  return (long)c;
}

/* a count, or an array of counts (anything with # and [i]), into a userdata buffer left on
 * the stack; counts are finite and >= 0 (not necessarily integers: scaled counts occur) */
static double *read_counts(lua_State *L, int arg, const char *what, lua_Integer *len) {
  int t = lua_type(L, arg);
  if (t != LUA_TTABLE && t != LUA_TUSERDATA) luaL_typeerror(L, arg, "array");
  lua_Integer n = luaL_len(L, arg);
  luaL_argcheck(L, n >= 0 && n <= (lua_Integer)(SIZE_MAX / sizeof(double) / 2), arg,
                "array length out of range");
  double *buf = lua_newuserdatauv(L, (size_t)n * sizeof(double) + 1, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, arg, i) != LUA_TNUMBER)
      luaL_argerror(L, arg, lua_pushfstring(L, "number expected at index %I, got %s", (LUAI_UACINT)i,
                                            luaL_typename(L, -1)));
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!(isfinite(v) && v >= 0))
      luaL_argerror(L, arg, lua_pushfstring(L, "%s at index %I must be finite and >= 0", what,
                                            (LUAI_UACINT)i));
    buf[i - 1] = v;
  }
  *len = n;
  return buf;
}

/* total of a number or an array argument */
static double total(lua_State *L, int arg, const char *what, lua_Integer *len) {
  if (lua_type(L, arg) == LUA_TNUMBER) {
    double v = lua_tonumber(L, arg);
    if (!(isfinite(v) && v >= 0))
      luaL_argerror(L, arg, lua_pushfstring(L, "%s must be finite and >= 0", what));
    *len = -1;
    return v;
  }
  const double *x = read_counts(L, arg, what, len);
  double s = 0;
  for (lua_Integer i = 0; i < *len; i++) s += x[i];
  lua_pop(L, 1);
  return s;
}

/* ---- Poisson ------------------------------------------------------------------------------ */

static int l_poisson_pmf(lua_State *L) {
  lua_Integer k = luaL_checkinteger(L, 1);
  lua_pushnumber(L, stats_poisson_pmf((double)k, check_mean(L, 2)));
  return 1;
}

static int l_poisson_logpmf(lua_State *L) {
  lua_Integer k = luaL_checkinteger(L, 1);
  lua_pushnumber(L, stats_poisson_logpmf((double)k, check_mean(L, 2)));
  return 1;
}

static int l_poisson_cdf(lua_State *L) {
  lua_Integer k = luaL_checkinteger(L, 1);
  lua_pushnumber(L, stats_poisson_cdf((double)k, check_mean(L, 2)));
  return 1;
}

static int l_poisson_sf(lua_State *L) {
  lua_Integer k = luaL_checkinteger(L, 1);
  lua_pushnumber(L, stats_poisson_sf((double)k, check_mean(L, 2)));
  return 1;
}

/* poisson_quantile(p, mu): smallest k with P(X <= k) >= p (math.huge for p = 1, mu > 0) */
static int l_poisson_quantile(lua_State *L) {
  double p = check_prob(L, 1), mu = check_mean(L, 2);
  double k = stats_poisson_quantile(p, mu);
  if (isnan(k)) return luaL_error(L, "interrupted");
  if (isinf(k) || k >= 9.2e18) lua_pushnumber(L, k);
  else lua_pushinteger(L, (lua_Integer)k);
  return 1;
}

/* poisson_rate(counts, exposure) -> rate, total count, total exposure (MLE of a common rate:
 * sum of counts / sum of exposures; either may be a number or an array) */
static int l_poisson_rate(lua_State *L) {
  lua_Integer nc, ne;
  double c = total(L, 1, "count", &nc);
  double e = total(L, 2, "exposure", &ne);
  if (nc >= 0 && ne >= 0 && nc != ne)
    luaL_argerror(L, 2, lua_pushfstring(L, "length %I differs from argument #1's %I", (LUAI_UACINT)ne,
                                        (LUAI_UACINT)nc));
  luaL_argcheck(L, e > 0, 2, "exposure must be > 0");
  lua_pushnumber(L, c / e);
  lua_pushnumber(L, c);
  lua_pushnumber(L, e);
  return 3;
}

/* poisson_ci(count [, exposure = 1 [, level = 0.95]]) -> lo, hi: Garwood exact limits of the
 * rate (count may be an array: its total is used, as is the exposures' total) */
static int l_poisson_ci(lua_State *L) {
  lua_Integer nc, ne = -1;
  double c = total(L, 1, "count", &nc);
  double e = 1.0;
  if (!lua_isnoneornil(L, 2)) {
    e = total(L, 2, "exposure", &ne);
    if (nc >= 0 && ne >= 0 && nc != ne)
      luaL_argerror(L, 2, lua_pushfstring(L, "length %I differs from argument #1's %I",
                                          (LUAI_UACINT)ne, (LUAI_UACINT)nc));
    luaL_argcheck(L, e > 0, 2, "exposure must be > 0");
  }
  double level = lua_isnoneornil(L, 3) ? 0.95 : check_open01(L, 3, "level must be in (0, 1)");
  double lo, hi;
  stats_garwood(c, level, &lo, &hi);
  lua_pushnumber(L, lo / e);
  lua_pushnumber(L, hi / e);
  return 2;
}

/* poisson_max_mean(C, alpha): the largest mu with P(Poisson(mu) <= C) >= 1 - alpha. C is a
 * count (a float is floored: capacities computed from beds are); any finite size works, huge
 * ones through the asymptotic expansion of the incomplete gamma function (a few operations). */
static int l_poisson_max_mean(lua_State *L) {
  double c = luaL_checknumber(L, 1);
  luaL_argcheck(L, isfinite(c) && c >= 0, 1, "capacity must be finite and >= 0");
  double alpha = check_open01(L, 2, "alpha must be in (0, 1)");
  lua_pushnumber(L, stats_poisson_max_mean(floor(c), alpha));
  return 1;
}

/* dispersion_test(counts) -> {mean, variance, index, statistic, df, p_greater, p_less,
 * p_two_sided} */
static int l_dispersion_test(lua_State *L) {
  lua_Integer n;
  const double *x = read_counts(L, 1, "count", &n);
  luaL_argcheck(L, n >= 2, 1, "at least 2 counts needed");
  StatsDispersion d;
  if (stats_dispersion(x, (size_t)n, &d) != 0) luaL_argerror(L, 1, "counts are all zero");
  lua_createtable(L, 0, 8);
  lua_pushnumber(L, d.mean); lua_setfield(L, -2, "mean");
  lua_pushnumber(L, d.variance); lua_setfield(L, -2, "variance");
  lua_pushnumber(L, d.index); lua_setfield(L, -2, "index");
  lua_pushnumber(L, d.statistic); lua_setfield(L, -2, "statistic");
  lua_pushinteger(L, (lua_Integer)d.df); lua_setfield(L, -2, "df");
  lua_pushnumber(L, d.p_greater); lua_setfield(L, -2, "p_greater");
  lua_pushnumber(L, d.p_less); lua_setfield(L, -2, "p_less");
  double two = 2.0 * fmin(d.p_greater, d.p_less);
  lua_pushnumber(L, two > 1 ? 1 : two); lua_setfield(L, -2, "p_two_sided");
  return 1;
}

/* ---- gamma and normal ------------------------------------------------------------------------ */

static double check_x(lua_State *L, int arg) {
  double x = luaL_checknumber(L, arg);
  luaL_argcheck(L, x >= 0, arg, "x must be >= 0");
  return x;
}

static int l_gamma_p(lua_State *L) {
  double a = check_shape(L, 1);
  lua_pushnumber(L, stats_gamma_p(a, check_x(L, 2)));
  return 1;
}

static int l_gamma_q(lua_State *L) {
  double a = check_shape(L, 1);
  lua_pushnumber(L, stats_gamma_q(a, check_x(L, 2)));
  return 1;
}

static int l_gamma_p_inv(lua_State *L) {
  double a = check_shape(L, 1);
  lua_pushnumber(L, stats_gamma_p_inv(a, check_prob(L, 2)));
  return 1;
}

static int l_gamma_q_inv(lua_State *L) {
  double a = check_shape(L, 1);
  lua_pushnumber(L, stats_gamma_q_inv(a, check_prob(L, 2)));
  return 1;
}

static int l_normal_quantile(lua_State *L) {
  lua_pushnumber(L, stats_normal_quantile(check_prob(L, 1)));
  return 1;
}

/* ---- Erlang ------------------------------------------------------------------------------------ */

/* erlang_b(c, a) -> the blocking probability of c servers offered a erlangs (M/M/c/c) */
static int l_erlang_b(lua_State *L) {
  long c = check_servers(L, 1);
  lua_pushnumber(L, stats_erlang_b(c, check_load(L, 2)));
  return 1;
}

/* erlang_c(c, a) -> the probability that a call waits, c servers and a erlangs (M/M/c) */
static int l_erlang_c(lua_State *L) {
  long c = check_servers(L, 1);
  lua_pushnumber(L, stats_erlang_c(c, check_load(L, 2)));
  return 1;
}

static int servers(lua_State *L, int waiting) {
  double a = check_load(L, 1);
  double t = luaL_checknumber(L, 2);
  luaL_argcheck(L, t > 0 && t <= 1, 2, "target must be in (0, 1]");
  luaL_argcheck(L, a <= 1e8, 1, "load must be at most 1e8 erlangs");
  long max_c = (long)(a + 100.0 * sqrt(a) + 1000.0);
  long c = waiting ? stats_erlang_c_servers(a, t, max_c) : stats_erlang_b_servers(a, t, max_c);
  if (c == -2) return luaL_error(L, "interrupted");
  if (c < 0) return luaL_error(L, "no server count up to %d meets the target", (int)max_c);
  lua_pushinteger(L, c);
  return 1;
}

/* erlang_b_servers(a, target) -> the fewest servers whose blocking probability is <= target */
static int l_erlang_b_servers(lua_State *L) { return servers(L, 0); }
/* erlang_c_servers(a, target) -> the fewest servers whose waiting probability is <= target */
static int l_erlang_c_servers(lua_State *L) { return servers(L, 1); }

/* ---- rng ------------------------------------------------------------------------------------- */

static StatsRng *check_rng(lua_State *L) { return luaL_checkudata(L, 1, RNG_TNAME); }

static StatsRng *push_rng(lua_State *L) {
  StatsRng *r = lua_newuserdatauv(L, sizeof(StatsRng), 0);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, RNG_TNAME);
  return r;
}

/* stats.rng(seed): xoshiro256** with its state from splitmix64(seed) */
static int l_rng(lua_State *L) {
  lua_Integer seed = luaL_checkinteger(L, 1);
  stats_rng_seed(push_rng(L), (uint64_t)seed);
  return 1;
}

/* r:next() -> the next raw 64-bit output as a (wrapping) Lua integer */
static int rng_next(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stats_rng_next(check_rng(L)));
  return 1;
}

/* r:uniform() in [0, 1); r:uniform(a, b) in [a, b) */
static int rng_uniform(lua_State *L) {
  StatsRng *r = check_rng(L);
  if (lua_isnoneornil(L, 2) && lua_isnoneornil(L, 3)) {
    lua_pushnumber(L, stats_rng_uniform(r));
    return 1;
  }
  double a = luaL_checknumber(L, 2), b = luaL_checknumber(L, 3);
  luaL_argcheck(L, isfinite(a), 2, "bound must be finite");
  luaL_argcheck(L, isfinite(b) && b >= a, 3, "upper bound must be finite and >= lower bound");
  lua_pushnumber(L, a + (b - a) * stats_rng_uniform(r));
  return 1;
}

/* r:integer(n) in [1, n]; r:integer(lo, hi) in [lo, hi] (unbiased) */
static int rng_integer(lua_State *L) {
  StatsRng *r = check_rng(L);
  lua_Integer lo = 1, hi;
  if (lua_isnoneornil(L, 3)) {
    hi = luaL_checkinteger(L, 2);
    luaL_argcheck(L, hi >= 1, 2, "n must be >= 1");
  } else {
    lo = luaL_checkinteger(L, 2);
    hi = luaL_checkinteger(L, 3);
    luaL_argcheck(L, lo <= hi, 3, "upper bound must be >= lower bound");
  }
  uint64_t range = (uint64_t)hi - (uint64_t)lo + 1; /* 0: the full 2^64 */
  lua_pushinteger(L, (lua_Integer)((uint64_t)lo + stats_rng_below(r, range)));
  return 1;
}

static int rng_exponential(lua_State *L) {
  StatsRng *r = check_rng(L);
  double rate = luaL_optnumber(L, 2, 1.0);
  luaL_argcheck(L, isfinite(rate) && rate > 0, 2, "rate must be finite and > 0");
  lua_pushnumber(L, stats_rng_exponential(r, rate));
  return 1;
}

/* r:poisson(mu) -> integer; r:poisson(mu, n) -> array of n draws */
static int rng_poisson(lua_State *L) {
  StatsRng *r = check_rng(L);
  double mu = luaL_checknumber(L, 2);
  luaL_argcheck(L, isfinite(mu) && mu >= 0 && mu <= 1e15, 2, "mean must be in [0, 1e15]");
  if (lua_isnoneornil(L, 3)) {
    lua_pushinteger(L, (lua_Integer)stats_rng_poisson(r, mu));
    return 1;
  }
  lua_Integer n = luaL_checkinteger(L, 3);
  luaL_argcheck(L, n >= 0 && n <= 100000000, 3, "count must be in [0, 1e8]");
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_pushinteger(L, (lua_Integer)stats_rng_poisson(r, mu));
    lua_rawseti(L, -2, i);
  }
  return 1;
}

static int rng_normal(lua_State *L) {
  StatsRng *r = check_rng(L);
  double mu = luaL_optnumber(L, 2, 0.0), sd = luaL_optnumber(L, 3, 1.0);
  luaL_argcheck(L, isfinite(mu), 2, "mean must be finite");
  luaL_argcheck(L, isfinite(sd) && sd >= 0, 3, "standard deviation must be finite and >= 0");
  lua_pushnumber(L, mu + sd * stats_rng_normal(r));
  return 1;
}

/* r:jump(): advance 2^128 draws (for non-overlapping parallel streams); returns r */
static int rng_jump(lua_State *L) {
  stats_rng_jump(check_rng(L));
  lua_settop(L, 1);
  return 1;
}

/* r:state() -> s0, s1, s2, s3 (as wrapping Lua integers) */
static int rng_state(lua_State *L) {
  StatsRng *r = check_rng(L);
  for (int i = 0; i < 4; i++) lua_pushinteger(L, (lua_Integer)r->s[i]);
  return 4;
}

/* r:setstate(s0, s1, s2, s3): not all zero; returns r */
static int rng_setstate(lua_State *L) {
  StatsRng *r = check_rng(L);
  uint64_t s[4];
  for (int i = 0; i < 4; i++) s[i] = (uint64_t)luaL_checkinteger(L, i + 2);
  luaL_argcheck(L, s[0] | s[1] | s[2] | s[3], 2, "state must not be all zero");
  memcpy(r->s, s, sizeof s);
  lua_settop(L, 1);
  return 1;
}

static int rng_clone(lua_State *L) {
  StatsRng *r = check_rng(L);
  *push_rng(L) = *r;
  return 1;
}

static int rng_tostring(lua_State *L) {
  lua_pushfstring(L, RNG_TNAME ": %p", (void *)check_rng(L));
  return 1;
}

static const luaL_Reg rng_methods[] = {
  {"next", rng_next},         {"uniform", rng_uniform}, {"integer", rng_integer},
  {"exponential", rng_exponential}, {"poisson", rng_poisson}, {"normal", rng_normal},
  {"jump", rng_jump},         {"state", rng_state},     {"setstate", rng_setstate},
  {"clone", rng_clone},       {NULL, NULL}};

/* ---- module ------------------------------------------------------------------------------------ */

static const luaL_Reg stats_funcs[] = {
  {"poisson_pmf", l_poisson_pmf},
  {"poisson_logpmf", l_poisson_logpmf},
  {"poisson_cdf", l_poisson_cdf},
  {"poisson_sf", l_poisson_sf},
  {"poisson_quantile", l_poisson_quantile},
  {"poisson_rate", l_poisson_rate},
  {"poisson_ci", l_poisson_ci},
  {"poisson_max_mean", l_poisson_max_mean},
  {"dispersion_test", l_dispersion_test},
  {"gamma_p", l_gamma_p},
  {"gamma_q", l_gamma_q},
  {"gamma_p_inv", l_gamma_p_inv},
  {"gamma_q_inv", l_gamma_q_inv},
  {"normal_quantile", l_normal_quantile},
  {"erlang_b", l_erlang_b},
  {"erlang_c", l_erlang_c},
  {"erlang_b_servers", l_erlang_b_servers},
  {"erlang_c_servers", l_erlang_c_servers},
  {"rng", l_rng},
  {NULL, NULL}};

int luaopen_stats(lua_State *L) {
  if (luaL_newmetatable(L, RNG_TNAME)) {
    luaL_newlib(L, rng_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, rng_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  luaL_newlib(L, stats_funcs);
  return 1;
}
