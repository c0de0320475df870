# stacked.gp: per-subflow throughput over time as stacked areas.
# Data: SCRATCH-stacked.dat "x 0 c1 c1+c2 ...", cumulative sums made by charts.c
# at the x values of the first series; area i lies between columns i+1
# and i+2.
load GPDIR.'/common.gp'

set key bmargin center horizontal
if (!YFIX) { set yrange [0:*] }
set style fill solid 0.55 noborder
plot for [i=1:NS] SCRATCH.'-stacked.dat' using ($1):(column(i + 1)):(column(i + 2)) with filledcurves lc LC(i) title NAME(i)

load GPDIR.'/finish.gp'
