# cdf.gp: the empirical distribution of each series (one variant's runs
# on one side) as steps, all on one chart, as Flent's combined CDFs: a
# shift of the candidate against its dashed baseline is read directly;
# two clusters show as two steep rises. Data: series i is block i - 1 of DATA "x y", x sorted
# ascending, y the fraction of runs at or below x (0..1).
load GPDIR.'/common.gp'

set key bmargin center horizontal
set yrange [0:1]
set format y "%.2f"
set ytics 0.25
set xtics norotate
plot for [i=1:NS] DATA index (i - 1) using 1:2 with steps lw 1.5 lc LC(i) dt DT(i) title NAME(i)

load GPDIR.'/finish.gp'
