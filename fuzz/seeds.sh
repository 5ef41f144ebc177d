#!/bin/sh
# Seed corpora for the fuzz harnesses, generated from the shared data (small slices only).
#   fuzz/seeds.sh DATA_DIR OUT_DIR      (make fuzz runs it; OUT_DIR/NAME is the corpus of fuzz_NAME)
# The first byte of every input selects a harness mode (delimiter, block size, order, reader);
# the seeds carry a few different ones.
set -eu
data=${1:-../shared/data}
out=${2:-build/fuzz/seeds}
mkdir -p "$out/csv" "$out/datetime" "$out/graph_csv" "$out/dimacs" "$out/lp" "$out/mps"
put() { # put FILE MODEBYTE(octal): the mode byte, then stdin
  { printf "\\$2"; cat; } > "$1"
}
slice() { head -n "$2" "$1" 2>/dev/null || true; }

# csv: headers and a few rows of each kind of file a user feeds in
n=0
for f in nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv nyc_ems_incidents/ems_incidents_20130101_20130105_allcols.tsv \
         nyc_ems_incidents/call_type_descriptions.csv hospitals/hifld_hospitals_nyc5boroughs.csv \
         zcta_centroids/zcta_nyc_area.tsv census_tracts/*.csv utrecht_mexclp/nodes_Utrecht_2021.csv \
         spopt_sf_test/*.csv; do
  for p in "$data"/$f; do
    [ -f "$p" ] || continue
    n=$((n + 1))
    for mode in 000 006 041 170; do slice "$p" 12 | put "$out/csv/$n-$mode" $mode; done
  done
done

# datetime: one date-time text per file, from the dispatch sample (MM/DD/YYYY hh:mm:ss AM) and ISO
f="$data/nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"
if [ -f "$f" ]; then
  slice "$f" 40 | tail -n +2 | awk -F, '{print $2}' | sort -u | head -n 20 |
    while IFS= read -r d; do printf %s "$d" > "$out/datetime/$(printf %s "$d" | cksum | cut -d' ' -f1)"; done
fi
for d in 2016-01-04T08:30:00Z 2016-02-29 "2015-12-31 23:59:59.5+02:00" "12/31/2015 11:59:59 PM" "01/01/1970 12:00:00 AM"; do
  printf %s "$d" > "$out/datetime/iso-$(printf %s "$d" | cksum | cut -d' ' -f1)"
done

# graph_csv: the Manhattan links with one hour's travel time (from, to, seconds[, lat, lon])
e="$data/road_network_manhattan/manhattan_edges.csv" w="$data/road_network_manhattan/manhattan_week.csv"
pt="$data/road_network_manhattan/manhattan_points.csv"
if [ -f "$e" ] && [ -f "$w" ]; then
  { echo "from,to,seconds"; paste -d, "$e" "$w" | head -n 60 | awk -F, '{print $2","$3","$4+$5/10}'; } | put "$out/graph_csv/manhattan" 000
  { echo "from,to,seconds"; paste -d, "$e" "$w" | head -n 60 | awk -F, '{print $2","$3","$4}'; } | put "$out/graph_csv/manhattan-bfs" 002
  if [ -f "$pt" ]; then
    { echo "from,to,seconds,lat,lon"; paste -d, "$e" "$w" | head -n 60 | awk -F, '{print $2","$3","$4}' |
      awk -F, 'NR==FNR{lat[$1]=$2; lon[$1]=$3; next} {print $0","lat[$1]","lon[$1]}' "$pt" -; } | put "$out/graph_csv/manhattan-coords" 003
  fi
  # dimacs: the same links as a .gr, and with coordinates (.co after a %%co line)
  m=$(paste -d, "$e" "$w" | head -n 60 | wc -l)
  gr() { echo "c Manhattan links"; echo "p sp 4091 $m"; paste -d, "$e" "$w" | head -n 60 | awk -F, '{print "a "$2" "$3" "$4}'; }
  gr | put "$out/dimacs/manhattan" 000
  if [ -f "$pt" ]; then
    { gr; echo "%%co"; echo "p aux sp co 4091"; head -n 80 "$pt" | awk -F, '{printf "v %d %d %d\n", $1, $3*1e6, $2*1e6}'; } | put "$out/dimacs/manhattan-co" 001
  fi
fi
printf 'p sp 4 5\na 1 2 1\na 2 1 1\na 2 3 5\na 3 4 3\na 4 1 3\n' | put "$out/dimacs/pgrouting" 003

# lp: the lp_solve sensitivity example (LP format) and a p-median instance's first lines as MPS
put "$out/lp/sensitivity" 030 <<'LP'
/* lp_solve reference: sensitivity */
max: 143 x + 60 y + 195 z;
120 x + 210 y + 150.75 z <= 15000;
110 x + 30 y + 125 z <= 4000;
x + y + z <= 75;
int z;
LP
put "$out/lp/mps" 031 <<'MPS'
NAME          TINY
ROWS
 N  COST
 L  LIM1
 G  LIM2
 E  MYEQN
COLUMNS
    X1        COST         1.0   LIM1         1.0
    X1        LIM2         1.0
    X2        COST         2.0   LIM1         1.0
    X2        MYEQN       -1.0
    X3        COST        -1.0   MYEQN        1.0
RHS
    RHS       LIM1         4.0   LIM2         1.0
    RHS       MYEQN        7.0
BOUNDS
 UP BND       X1           4.0
 LO BND       X2          -1.0
 UP BND       X2           1.0
ENDATA
MPS
sed 's/^ *//' "$out/lp/mps" > "$out/lp/mps-free"
f="$data/pmedian_orlib/pmed1.txt"
[ -f "$f" ] && { echo "min: $(slice "$f" 6 | tail -n +2 | awk '{printf "+%s x%s_%s ", $3, $1, $2}');"; echo "c1: x1_2 + x1_3 >= 1;"; echo "int x1_2;"; } | put "$out/lp/pmed" 030

# mps: recipes (fuzz/fuzz_mps.c reads its input as flags, counts, then choices): a few shapes
printf '\077\003\004\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017' > "$out/mps/small"
printf '\017\050\050\377\376\375\021\022\023\024\025\026\027\030\031\032' > "$out/mps/wide"
printf '\177\002\002\360\361\362\363\000\001\002\003\004\005' > "$out/mps/names"
echo "seeds: $(find "$out" -type f | wc -l) files in $out"
