# trend.gp: per series (variant) the nightly medians as a line, with the
# confidence band (lo, hi) filled behind it; marks = change points and
# kernel changes. Data: s<i>.dat "x y lo hi".
# 'load' hides the script arguments from the loaded file: copy them.
SCRATCH = ARG1
GPDIR = ARG2
load GPDIR.'/common.gp'

set key bmargin center horizontal
set style fill transparent solid 0.18 noborder
plot for [i=1:NS] SERIES(i) using ($1):($3):($4) with filledcurves lc i notitle, \
     for [i=1:NS] SERIES(i) using ($1):($2) with linespoints lw 1.5 ps 0.5 lc i title NAME(i)

load GPDIR.'/png.gp'
