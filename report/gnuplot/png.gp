# png.gp: loaded last by every chart script: closes the SVG and draws the
# same plot again as PNG (pngcairo when this gnuplot has it, else libgd png).
unset output
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size W,H noenhanced font "sans,9" background "#ffffff"
} else {
	set terminal png size W,H noenhanced font "sans,9" background "#ffffff"
}
set output SCRATCH.'/chart.png'
replot
unset output
