# lines.gp: one line per subflow over time (cwnd, RTT), with the timed
# events (link down/up, rate change) and path-manager events as marks.
# Data: series i is block i - 1 of DATA "x y".
load GPDIR.'/common.gp'

set key bmargin center horizontal
plot for [i=1:NS] DATA index (i - 1) using 1:2 with lines lw 1.5 lc LC(i) dt DT(i) title NAME(i)

load GPDIR.'/finish.gp'
