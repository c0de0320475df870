# sparkline.gp: a tiny line for the index table: no axes, no text, no
# legend; marks are drawn as lines without their labels.
# 'load' hides the script arguments from the loaded file: copy them.
SCRATCH = ARG1
GPDIR = ARG2
load GPDIR.'/common.gp'

unset title
unset xlabel
unset ylabel
unset key
unset border
unset xtics
unset ytics
unset grid
unset label
set margins 0, 0, 0, 0
set offsets 0, 0, graph 0.1, graph 0.1
plot for [i=1:NS] SERIES(i) using ($1):($2) with lines lw 1 lc i notitle

load GPDIR.'/png.gp'
