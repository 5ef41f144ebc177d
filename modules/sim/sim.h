/* Discrete-event simulation of ambulance operations (plain C core, no Lua).
 *
 * Rules (those of ELASPY's diesel runs, Dieleman & van der Mei):
 *  - Locations 0..n-1 with a travel-time matrix time[from * n + to] (minutes, with siren), an
 *    optional distance matrix (km) and optional planar coordinates (x, y in metres).
 *  - A call arrives at a time and a location. Its hospital is fixed on arrival: the one given,
 *    or the hospital with the least time[scene][h] (the first in the hospital list on a tie).
 *  - Dispatch on arrival: among the ambulances not busy with a patient (idle at base, or driving
 *    back to base), the one with the least time[from][scene], ties to the lowest ambulance
 *    number. An ambulance driving back is placed by linear interpolation between the coordinates
 *    of its origin and its base by the fraction of the (non-siren) drive done, then snapped to
 *    the nearest location (Euclidean, first location on a tie); it is dispatched from there.
 *    Without coordinates, a returning ambulance counts from its origin until it reaches base.
 *  - No ambulance free: the call waits in a first-come-first-served queue per priority. An
 *    ambulance that finishes a call takes at once, from where it finished, the call that has
 *    waited longest among the most urgent waiting (priority 0 first; ELASPY: one priority).
 *  - A call: drive to the scene, on-site time, then (when transported) drive to the hospital and
 *    hand-over time; the ambulance is then free and drives back to base at time / no_siren
 *    (0.95 in ELASPY), where it stays until dispatched.
 *  - response = waiting + driving to the scene; finish = the end of on-site or hand-over time.
 *  - Events at the same time: ambulances finishing (lowest number first) before a call arrival.
 * Times add up as ELASPY's clock does (arrival_i = arrival_{i-1} + gap_i; scene = t + drive;
 * finish = ((scene + on-site) + to hospital) + hand-over), so replays agree to the last bits. */
#ifndef EMSOPT_SIM_H
#define EMSOPT_SIM_H

#include <stddef.h>
#include <stdint.h>

enum { SIM_OK = 0, SIM_ENOMEM = 1, SIM_EINVAL = 2, SIM_EINTR = 3 };
#define SIM_PRIORITIES 8

typedef struct SimRegion {
  int n;              /* locations */
  double *time;       /* n x n, from-major, minutes with siren */
  double *time_to;    /* the same, to-major (dispatch reads one scene's column) */
  double *dist_to;    /* n x n km, to-major, or NULL */
  double *x, *y;      /* n coordinates, or NULL */
  int nhosp;
  int *hosp;          /* location of each hospital */
  int *closest_hosp;  /* per location: the hospital location with the least time from it */
  double *hosp_time, *hosp_dist; /* per location: minutes and km to that hospital (0: none) */
  double no_siren;    /* speed factor when driving back (0.95) */
  int *xorder;        /* locations sorted by x (nearest-location search) */
  double *xsorted;
  int G;              /* grid of G x G cells over the locations' bounding box; per cell the */
  double gx0, gy0, gw, gh; /* locations that can be the nearest to a point in it */
  double gwinv, ghinv;    /* 1 / gw, 1 / gh */
  int *gstart, *glist;
} SimRegion;

/* Copies the data. Returns SIM_OK, SIM_ENOMEM, or SIM_EINVAL with a message in err. */
int sim_region_init(SimRegion *R, int n, const double *time, const double *dist, const double *x,
                    const double *y, int nhosp, const int *hosp, double no_siren, char *err,
                    size_t errlen);
void sim_region_free(SimRegion *R);
/* the nearest location to (px, py); the lowest index on a tie (needs coordinates) */
int sim_nearest(const SimRegion *R, double px, double py);
int sim_nearest_plain(const SimRegion *R, double px, double py);

typedef struct SimCall {
  double t;         /* arrival time, minutes */
  int loc;          /* location */
  int to_hospital;  /* 1: transported */
  int hospital;     /* hospital location, or -1: the closest */
  double onsite;    /* minutes on scene */
  double dropoff;   /* minutes of hand-over */
  int priority;     /* 0 (most urgent) .. SIM_PRIORITIES - 1 */
} SimCall;

typedef struct SimCallOut {
  int amb;          /* ambulance (0-based) */
  int from;         /* location it was dispatched from */
  int hospital;     /* hospital location, -1 when not transported */
  int available;    /* ambulances free on arrival when dispatched on arrival, else -1 */
  double wait, drive, response, at_scene, to_hosp, finish;
} SimCallOut;

typedef struct SimAmbOut {
  double busy;      /* minutes from dispatch to finish, summed */
  double back;      /* minutes driving back to base (partial drives included) */
  double km;        /* kilometres (needs the distance matrix) */
  long calls;
} SimAmbOut;

typedef struct SimInfo {
  uint64_t events;  /* call arrivals + finishes */
  size_t done;      /* calls simulated to the end */
  size_t max_queue;
  size_t queued;    /* calls that waited */
  double end;       /* time of the last finish */
  int interrupted;
} SimInfo;

/* Runs one simulation of ncalls calls (arrival times non-decreasing). out: ncalls entries or
 * NULL; amb: namb entries (zeroed here). The kernel: the next call against a heap of busy
 * ambulances; dispatch from each scene's ambulances ordered by (time from base, number), where
 * the first idle one is the best at base, against the ambulances driving back, each placed by a
 * grid search for its nearest location. plain != 0 runs the baseline, with the same answers: an
 * event list scanned linearly for the next event and every ambulance and location scanned for
 * the closest. */
int sim_run(const SimRegion *R, int namb, const int *base, const SimCall *calls, size_t ncalls,
            SimCallOut *out, SimAmbOut *amb, SimInfo *info, int plain);

/* Generated calls: Poisson per zone and period; the periods are hours (period p covers hours
 * k with k % nperiods == p). On-site and hand-over times are lognormal (ELASPY's rule:
 * exp(N(log(scale), sigma)) + loc, redrawn until within [0, cutoff]). */
typedef struct SimGen {
  int nzones;
  const int *zone_loc;   /* location of each zone */
  int nperiods;          /* 1 (constant) or 24 (hour of day) or any cycle length in hours */
  const double *rate;    /* nzones x nperiods calls per hour, zone-major */
  double hours;          /* horizon */
  double onsite[4];      /* sigma, loc, scale, cutoff */
  double dropoff[4];
  double p_hospital;     /* probability of transport */
  int npriorities;       /* 0 or 1: every call priority 0; else shares of priorities 0.. */
  const double *priority_share;
  /* hospitals by shares (an ER-routing plan), or NULL: the closest. Zone z's choices are
   * hosp_loc[k] with share hosp_share[k] for k in hosp_start[z] .. hosp_start[z + 1] - 1;
   * a zone without choices uses the closest. */
  const int *hosp_start, *hosp_loc;
  const double *hosp_share;
} SimGen;

/* Generates the calls of one replication into *buf (grown with realloc; *cap entries).
 * Returns the number of calls, (size_t)-1 when out of memory, SIM_GEN_INTERRUPTED on Ctrl-C. */
#define SIM_GEN_INTERRUPTED ((size_t)-2)
size_t sim_generate(const SimGen *G, uint64_t seed, SimCall **buf, size_t *cap);

/* Replications: per replication r, calls from seed mix(seed, first + r), then a run; a run may
 * be split into batches (first = 0, k, 2k, ...) with the same per-replication answers. */
typedef struct SimRepOut {
  size_t calls;
  double mean_response, mean_wait, within, p50, p90, p95, max_response;
  double busy_fraction;  /* mean over ambulances */
  size_t calls_p[SIM_PRIORITIES];                    /* per priority */
  double mean_response_p[SIM_PRIORITIES], within_p[SIM_PRIORITIES];
  double end;
  uint64_t events;
  double cpu_seconds;    /* CPU time of the thread that ran it: generation, run and summary */
} SimRepOut;

typedef struct SimBatch {
  int reps, threads, plain;
  int first;             /* replication r of this batch is replication first + r of the run */
  uint64_t seed;
  double target;         /* response target, minutes */
  SimRepOut *rep;        /* reps */
  double *amb_busy, *amb_back, *amb_km, *amb_calls; /* reps x namb */
  double *zone_resp, *zone_n, *zone_within;          /* reps x nzones */
  double *zone_p90;      /* reps x nzones: 90th percentile of the zone's responses (NAN: no
                            calls; NULL: not computed) */
  int nbins;             /* response-time histogram: bins of bin_width minutes, the last one */
  double bin_width;      /* open-ended; hist = reps x nbins counts (NULL: none) */
  double *hist;
  int interrupted;
  double seconds, cpu_seconds;
} SimBatch;

int sim_replicate(const SimRegion *R, int namb, const int *base, const SimGen *G, SimBatch *B);

/* the replication's seed */
uint64_t sim_rep_seed(uint64_t seed, int rep);

#endif
