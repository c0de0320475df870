# sparkline.gp: a small line for the index table: no axes, no text, no
# legend. Series 1 is the history (its band, when it has one, light
# behind it); series 2.. are single points drawn as dots with their CI
# (the newest night), so a history of one night is a dot, not nothing. Marks are
# lines without their labels.
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
# margins in screen units: a margin in characters (gnuplot's unit) is most
# of a 32-pixel-high chart
set lmargin at screen 0.01
set rmargin at screen 0.96
set bmargin at screen 0.06
set tmargin at screen 0.94
set offsets graph 0.02, graph 0.02, graph 0.12, graph 0.12
set style fill transparent solid 0.2 noborder
if (NS > 1) {
	plot DATA index 0 using 1:3:4 with filledcurves lc LC(1) notitle, \
	     DATA index 0 using 1:2 with lines lw 1.2 lc LC(1) notitle, \
	     for [i=2:NS] DATA index (i - 1) using 1:2:3:4 with yerrorbars pt 7 ps 0.5 lw 1.2 lc LC(i) notitle
} else {
	plot DATA index 0 using 1:3:4 with filledcurves lc LC(1) notitle, \
	     DATA index 0 using 1:2 with lines lw 1.2 lc LC(1) notitle
}

load GPDIR.'/finish.gp'
