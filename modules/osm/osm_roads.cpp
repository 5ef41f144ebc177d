/* osm core over libosmium: see osm_roads.h. C++ stays inside this file; every exception is caught
 * at the C boundary and turned into an error code with a message. */
#include "osm_roads.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/stat.h>

#include <osmium/io/any_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>

extern "C" {
#include "interrupt.h"
}

namespace {

const double EARTH_M = 6371008.8; /* IUGG mean radius, as the graph module */

double haversine_m(double lat1, double lon1, double lat2, double lon2) {
  const double r = M_PI / 180.0;
  double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * r) * std::cos(lat2 * r) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * EARTH_M * std::asin(std::min(1.0, std::sqrt(a)));
}

struct Interrupted {};
struct ProfileStop {};

struct KeptWay {
  int64_t id;
  double fwd, bwd;
  size_t first, count; /* slice of refs */
};

template <typename T> T *copy_out(const std::vector<T> &v) {
  T *p = static_cast<T *>(std::malloc((v.empty() ? 1 : v.size()) * sizeof(T)));
  if (!p) throw std::bad_alloc();
  if (!v.empty()) std::memcpy(p, v.data(), v.size() * sizeof(T));
  return p;
}

/* Tarjan's strongly connected components, iterative. comp[v] = component index; returns count. */
int64_t scc(int32_t n, const std::vector<int32_t> &start, const std::vector<int32_t> &adj,
            std::vector<int32_t> &comp) {
  std::vector<int32_t> index(n, -1), low(n, 0), stack, it(n, 0);
  std::vector<char> on(n, 0);
  std::vector<int32_t> call;
  comp.assign(n, -1);
  int32_t counter = 0;
  int64_t ncomp = 0;
  for (int32_t s = 0; s < n; s++) {
    if (index[s] >= 0) continue;
    call.push_back(s);
    index[s] = low[s] = counter++;
    stack.push_back(s);
    on[s] = 1;
    it[s] = start[s];
    while (!call.empty()) {
      int32_t v = call.back();
      if (it[v] < start[v + 1]) {
        int32_t w = adj[it[v]++];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on[w] = 1;
          it[w] = start[w];
          call.push_back(w);
        } else if (on[w]) {
          low[v] = std::min(low[v], index[w]);
        }
      } else {
        call.pop_back();
        if (!call.empty()) low[call.back()] = std::min(low[call.back()], low[v]);
        if (low[v] == index[v]) {
          int32_t w;
          do {
            w = stack.back();
            stack.pop_back();
            on[w] = 0;
            comp[w] = (int32_t)ncomp;
          } while (w != v);
          ncomp++;
        }
      }
    }
  }
  return ncomp;
}

void read_roads(const char *path, const OsmProfile *p, OsmRoads *out) {
  struct stat st;
  if (stat(path, &st) == 0) out->bytes = (int64_t)st.st_size;

  /* pass 1: ways */
  std::unordered_map<std::string, std::pair<double, double>> cache;
  std::vector<KeptWay> ways;
  std::vector<int64_t> refs;
  std::vector<const char *> vals(p->nkeys);
  std::string key;
  {
    osmium::io::Reader reader{osmium::io::File{path}, osmium::osm_entity_bits::way, osmium::io::read_meta::no};
    while (osmium::memory::Buffer buffer = reader.read()) {
      if (emsopt_interrupted()) throw Interrupted();
      for (const auto &w : buffer.select<osmium::Way>()) {
        const osmium::TagList &tags = w.tags();
        vals[0] = tags.get_value_by_key(p->keys[0]);
        if (!vals[0]) continue; /* not a road: no primary key */
        key.clear();
        for (int k = 0; k < p->nkeys; k++) {
          if (k > 0) vals[k] = tags.get_value_by_key(p->keys[k]);
          if (vals[k]) {
            key += std::to_string(k);
            key += '=';
            key += vals[k];
          }
          key += '\x1f';
        }
        out->ways_tagged++;
        auto hit = cache.find(key);
        double fwd, bwd;
        if (hit == cache.end()) {
          fwd = bwd = 0;
          if (p->way(p->ud, vals.data(), &fwd, &bwd) != 0) throw ProfileStop();
          if (!(fwd > 0) || !std::isfinite(fwd)) fwd = 0;
          if (!(bwd > 0) || !std::isfinite(bwd)) bwd = 0;
          cache.emplace(key, std::make_pair(fwd, bwd));
          out->combinations++;
        } else {
          fwd = hit->second.first;
          bwd = hit->second.second;
        }
        if (fwd <= 0 && bwd <= 0) continue;
        const osmium::WayNodeList &nl = w.nodes();
        if (nl.size() < 2) continue;
        out->ways_kept++;
        KeptWay kw{w.id(), fwd, bwd, refs.size(), nl.size()};
        for (const auto &nr : nl) refs.push_back(nr.ref());
        ways.push_back(kw);
      }
    }
    reader.close();
  }

  /* the nodes the kept ways use */
  std::vector<int64_t> ids(refs);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  out->way_nodes = (int64_t)ids.size();
  std::vector<double> lat(ids.size(), NAN), lon(ids.size(), NAN);

  /* pass 2: node locations */
  if (!ids.empty()) {
    osmium::io::Reader reader{osmium::io::File{path}, osmium::osm_entity_bits::node, osmium::io::read_meta::no};
    /* files sorted by id (PBF extracts are) are merged against ids with a cursor; a node id
     * below the previous one falls back to a binary search */
    auto cur = ids.begin();
    int64_t prev = INT64_MIN;
    while (osmium::memory::Buffer buffer = reader.read()) {
      if (emsopt_interrupted()) throw Interrupted();
      for (const auto &nd : buffer.select<osmium::Node>()) {
        int64_t id = nd.id();
        if (id < prev) cur = std::lower_bound(ids.begin(), ids.end(), id);
        prev = id;
        while (cur != ids.end() && *cur < id) ++cur;
        auto pos = cur;
        if (pos == ids.end() || *pos != id) continue;
        const osmium::Location loc = nd.location();
        if (!loc.valid()) continue;
        size_t k = (size_t)(pos - ids.begin());
        lat[k] = loc.lat();
        lon[k] = loc.lon();
      }
    }
    reader.close();
  }

  /* arcs */
  std::vector<int32_t> from, to;
  std::vector<double> len, tim;
  std::vector<int64_t> wid;
  for (int64_t &r : refs) r = std::lower_bound(ids.begin(), ids.end(), r) - ids.begin(); /* ids -> indices */
  for (const KeptWay &kw : ways) {
    for (size_t i = 0; i + 1 < kw.count; i++) {
      size_t ia = (size_t)refs[kw.first + i], ib = (size_t)refs[kw.first + i + 1];
      if (std::isnan(lat[ia]) || std::isnan(lat[ib])) {
        out->missing_nodes++;
        continue;
      }
      if (ia == ib) continue;
      double m = haversine_m(lat[ia], lon[ia], lat[ib], lon[ib]);
      if (kw.fwd > 0) {
        from.push_back((int32_t)ia); to.push_back((int32_t)ib);
        len.push_back(m); tim.push_back(m / (kw.fwd / 3.6)); wid.push_back(kw.id);
      }
      if (kw.bwd > 0) {
        from.push_back((int32_t)ib); to.push_back((int32_t)ia);
        len.push_back(m); tim.push_back(m / (kw.bwd / 3.6)); wid.push_back(kw.id);
      }
    }
  }

  /* nodes in use: those with a location and an arc */
  int32_t n = (int32_t)ids.size();
  std::vector<char> used(n, 0);
  for (size_t e = 0; e < from.size(); e++) used[from[e]] = used[to[e]] = 1;

  /* the largest strongly connected component */
  std::vector<int32_t> comp(n, 0);
  int32_t keep = 0;
  if (!p->keep_all) {
    std::vector<int32_t> start(n + 1, 0), adj(from.size());
    for (size_t e = 0; e < from.size(); e++) start[from[e] + 1]++;
    for (int32_t v = 0; v < n; v++) start[v + 1] += start[v];
    std::vector<int32_t> fill(start.begin(), start.end() - 1);
    for (size_t e = 0; e < from.size(); e++) adj[fill[from[e]]++] = to[e];
    if (emsopt_interrupted()) throw Interrupted();
    out->components = scc(n, start, adj, comp);
    std::vector<int64_t> size(out->components, 0);
    for (int32_t v = 0; v < n; v++)
      if (used[v]) size[comp[v]]++;
    for (int32_t c = 0; c < (int32_t)size.size(); c++)
      if (size[c] > size[keep]) keep = c;
    /* components count only nodes with arcs */
    int64_t real = 0;
    for (int64_t s : size) real += s > 0;
    out->components = real;
  }

  std::vector<int32_t> newidx(n, -1);
  std::vector<int64_t> kid;
  std::vector<double> klat, klon;
  for (int32_t v = 0; v < n; v++) {
    if (!used[v]) continue;
    if (comp[v] != keep) {
      out->dropped_nodes++;
      continue;
    }
    newidx[v] = (int32_t)kid.size();
    kid.push_back(ids[v]);
    klat.push_back(lat[v]);
    klon.push_back(lon[v]);
  }
  std::vector<int32_t> kf, kt;
  std::vector<double> kl, ktm;
  std::vector<int64_t> kw;
  for (size_t e = 0; e < from.size(); e++) {
    int32_t a = newidx[from[e]], b = newidx[to[e]];
    if (a < 0 || b < 0) {
      out->dropped_arcs++;
      continue;
    }
    kf.push_back(a); kt.push_back(b); kl.push_back(len[e]); ktm.push_back(tim[e]); kw.push_back(wid[e]);
  }
  out->nnodes = (int64_t)kid.size();
  out->narcs = (int64_t)kf.size();
  out->ids = copy_out(kid);
  out->lat = copy_out(klat);
  out->lon = copy_out(klon);
  out->from = copy_out(kf);
  out->to = copy_out(kt);
  out->length_m = copy_out(kl);
  out->time_s = copy_out(ktm);
  out->way = copy_out(kw);
}

} // namespace

extern "C" int osm_read_roads(const char *path, const OsmProfile *p, OsmRoads *out, char *err,
                              size_t errlen) {
  std::memset(out, 0, sizeof *out);
  int rc = OSM_OK;
  try {
    read_roads(path, p, out);
  } catch (const Interrupted &) {
    rc = OSM_EINTR;
    std::snprintf(err, errlen, "interrupted");
  } catch (const ProfileStop &) {
    rc = OSM_EPROFILE;
    std::snprintf(err, errlen, "the profile stopped the import");
  } catch (const std::bad_alloc &) {
    rc = OSM_ENOMEM;
    std::snprintf(err, errlen, "%s: out of memory", path);
  } catch (const std::exception &e) {
    rc = OSM_EIO;
    std::snprintf(err, errlen, "%s: %s", path, e.what());
  }
  if (rc != OSM_OK) osm_roads_free(out);
  return rc;
}

extern "C" void osm_roads_free(OsmRoads *r) {
  std::free(r->ids);
  std::free(r->lat);
  std::free(r->lon);
  std::free(r->from);
  std::free(r->to);
  std::free(r->length_m);
  std::free(r->time_s);
  std::free(r->way);
  std::memset(r, 0, sizeof *r);
}
