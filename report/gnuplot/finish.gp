# finish.gp: loaded last by every chart script: closes the SVG, draws the
# same plot again as PNG when the driver asks (pngcairo when this gnuplot
# has it, else libgd png), and tells charts.c the chart is complete. The
# marker is the last thing a chart does: a chart without it failed.
unset output
if (PNG) {
	if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
		set terminal pngcairo size W,H noenhanced font "sans,9" background "#ffffff"
	} else {
		set terminal png size W,H noenhanced font "sans,9" background "#ffffff"
	}
	set output SCRATCH.'.png'
	replot
	unset output
}
print "MPL-OK ".SCRATCH
