# lines.gp: one line per subflow over time (cwnd, RTT), with the timed
# events (link down/up, rate change) as marks. Data: s<i>.dat "x y".
# 'load' hides the script arguments from the loaded file: copy them.
SCRATCH = ARG1
GPDIR = ARG2
load GPDIR.'/common.gp'

set key bmargin center horizontal
plot for [i=1:NS] SERIES(i) using ($1):($2) with lines lw 1.5 lc i title NAME(i)

load GPDIR.'/png.gp'
