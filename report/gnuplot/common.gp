# common.gp: loaded first by every chart script (report/charts.c runs
#
#	gnuplot -d -e "W=..;H=..;NS=..;NM=..;NC=..;XTIME=0|1" -c <kind>.gp SCRATCH GPDIR
#
# SCRATCH (ARG1) = scratch directory with the data files and the outputs,
# GPDIR (ARG2) = the directory of these scripts; both absolute paths made
# by charts.c, copied by the kind script before it loads this file).
#
# It rebuilds the labels from labels.dat, where each label is a line of
# decimal byte values ("L 104 105"), into the string array LBL, reads the
# marks' x values, opens the SVG output, and sets title, axis labels and
# the vertical mark lines. Labels are user-controlled text: they only ever
# live in string variables, which gnuplot never evaluates. Never use them
# with '@', eval, load, system, or in a format (e.g. "set xtics (LBL 1)"
# runs gprintf on the label: use xticlabels() from a data file instead).

NL = 3 + NS + NM + NC

set datafile separator "\t"
array RAW[NL]
_n = 0
set table $_discard
plot SCRATCH.'/labels.dat' using (_n = _n + 1, RAW[_n] = stringcolumn(1), 0):(0) with points notitle
unset table
undefine $_discard
set datafile separator whitespace
if (_n != NL) { print sprintf("labels.dat: %d lines, expected %d", _n, NL); exit status 3 }

array LBL[NL]
do for [_i = 1:NL] {
	_s = ""
	_r = RAW[_i]
	do for [_k = 2:words(_r)] { _s = _s . sprintf("%c", int(word(_r, _k))) }
	LBL[_i] = _s
}
undefine RAW

TITLE = LBL[1]
XLABEL = LBL[2]
YLABEL = LBL[3]
NAME(i) = LBL[3 + i]
MARKLABEL(i) = LBL[3 + NS + i]
CAT(i) = LBL[3 + NS + NM + i]
SERIES(i) = SCRATCH . sprintf("/s%d.dat", i)

if (NM > 0) {
	array MX[NM]
	_n = 0
	set table $_discard
	plot SCRATCH.'/marks.dat' using (_n = _n + 1, MX[_n] = $1, 0):(0) with points notitle
	unset table
	undefine $_discard
}

set terminal svg size W,H fixed noenhanced font "sans,10" background "#ffffff"
set output SCRATCH.'/chart.svg'

set title TITLE
set xlabel XLABEL
set ylabel YLABEL
set key noenhanced
set grid lc rgb "#dddddd" lw 1
set border 3 lc rgb "#555555"
set tics nomirror
# SI prefixes (72.5M), not 7.25e+07: throughput is in bit/s.
set format y "%.1s%c"
set linetype 1 lc rgb "#1f77b4" pt 7
set linetype 2 lc rgb "#d62728" pt 5
set linetype 3 lc rgb "#2ca02c" pt 9
set linetype 4 lc rgb "#9467bd" pt 11
set linetype 5 lc rgb "#ff7f0e" pt 13
set linetype 6 lc rgb "#8c564b" pt 7
set linetype 7 lc rgb "#e377c2" pt 5
set linetype 8 lc rgb "#17becf" pt 9
set linetype cycle 8

if (XTIME) {
	set xdata time
	set timefmt "%s"
	set format x "%Y-%m-%d"
	set xtics rotate by -30
}

# Marks: a dashed vertical line each, its label written downwards from
# the top of the plot area.
do for [_i = 1:NM] {
	set arrow _i from first MX[_i], graph 0 to first MX[_i], graph 1 nohead front lc rgb "#777777" dt 2 lw 1
	set label _i MARKLABEL(_i) at first MX[_i], graph 0.98 rotate by -90 left offset 0.4,0 front font ",8" tc rgb "#555555"
}
