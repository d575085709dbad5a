# plot.gp - plots of the data files written by `bench --dat DIR`.
#
#   gnuplot -e "outdir='bench/out'" bench/plot.gp
#
# Reads  OUTDIR/scaling.dat  (N, heap bytes, glibc ns/op, dalloc ns/op, ratio, ...)
#        OUTDIR/util.dat     (seed, then offset/total % for ON_DEMAND, ON_FREE,
#                             MANUAL, then payload/total % for the same)
# Writes OUTDIR/scaling.svg and OUTDIR/util.svg.

if (!exists("outdir")) outdir = "bench/out"

set terminal svg size 820,500 dynamic enhanced font "sans,12" background rgb "white"
set grid

# ---------------------------------------------------------------- scaling
set output outdir."/scaling.svg"
set title "Churn cost as the live set doubles (heap = N x 512 B, sizes 16-512 B log-uniform)"
set logscale x 2
set xlabel "slots N (about N/2 live blocks)"
set ylabel "ns per alloc/free op (median of 5 runs)"
set y2label "libdalloc / glibc"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key outside below horizontal
plot outdir."/scaling.dat" using 1:3 with linespoints lw 2 pt 7 title "glibc malloc/free", \
     ''                    using 1:4 with linespoints lw 2 pt 5 title "libdalloc (ON\\_DEMAND)", \
     ''                    using 1:5 axes x1y2 with linespoints lw 2 dt 2 pt 9 title "ratio (right axis)"

# ------------------------------------------------------------------- util
unset logscale x
unset y2tics
unset y2label
set ytics mirror
set output outdir."/util.svg"
set title "Live/heap at the first refusal, 64 KiB heap, 50 seeds (heap.offset / total\\_size)"
set xlabel "seed"
set ylabel "percent of the heap buffer"
set yrange [90:100]
set xrange [-1:50]
set key outside below horizontal
plot outdir."/util.dat" using 1:2 with points pt 7 ps 0.8 title "ON\\_DEMAND", \
     ''                 using 1:3 with points pt 5 ps 0.6 title "ON\\_FREE", \
     ''                 using 1:4 with points pt 9 ps 0.8 title "MANUAL (never compacted)", \
     97 with lines lw 2 dt 2 lc rgb "red" title "bar: 97 %"
