# common.gp: loaded first by every chart script. report/charts.c draws
# many charts with one gnuplot, which reads a driver from its stdin: per
# chart one line, loading the chart's own script (17.gp), which says
# "reset session", sets the chart's variables and loads the kind's script:
#
#	SCRATCH = '17'; GPDIR = 'gp'   the chart's files are 17-labels.dat,
#	                               17-data.dat, ...; its output 17.svg
#	                               (relative to gnuplot's cwd)
#	W, H        size in pixels
#	NS, NM, NC  number of series, marks, categories
#	XTIME       x is seconds since the epoch, shown as dates
#	PNG         also draw 17.png (finish.gp)
#	NPMAX       the most points any series has
#	YSI         y tics with SI prefixes (raw bit/s)
#	NO          STACKED: the last NO series are lines over the stack
#	XFIX, XMIN, XMAX, YFIX, YMIN, YMAX   fixed axis ranges
#	SC[NS], SD[NS]   per series: colour (1..8) and dashed (0/1)
#	MX[NM], MK[NM]   per mark: x and kind (0 plain, 1 change point,
#	                 2 kernel, 3 timed event, 4 path-manager events)
#
# Those are numbers, and SCRATCH and GPDIR names charts.c made. The data
# of series i is block i - 1 (blocks apart by two blank lines) of DATA.
# This file rebuilds the labels from SCRATCH-labels.dat, where each label is a line
# of decimal byte values ("L 104 105 0 0 0 0 0 0", padded with NULs to a
# multiple of 8), into the string array LBL, opens the SVG output, and
# sets title, axis labels and the vertical marks. Labels are
# user-controlled text: they only ever live in string variables, which
# gnuplot never evaluates. Never use them with '@', eval, load, system,
# or in a format (e.g. "set xtics (LBL 1)" runs gprintf on the label: use
# xticlabels() from a data file instead).
#
# An error anywhere ends this chart only (the driver goes on with the
# next); to fail on purpose, refer to an undefined variable.
#
# Speed: a report draws hundreds of charts in one gnuplot. Each command
# gnuplot evaluates costs a few system calls (it traps SIGFPE around it),
# so labels are rebuilt 8 bytes per command, data are plotted with plain
# column numbers ("using 1:2", no expression), and expressions inside
# "using" run without the trap (nofpe_trap).

set datafile nofpe_trap
NL = 3 + NS + NM + NC

set datafile separator "\t"
array RAW[NL]
_n = 0
stats SCRATCH.'-labels.dat' using (_n = _n + 1, RAW[_n] = stringcolumn(1), 0) nooutput
set datafile separator whitespace
if (_n != NL) { print sprintf("labels.dat: %d lines, expected %d", _n, NL); _fail = labels_dat_is_short }

array LBL[NL]
_B(r, k) = int(word(r, k))
do for [_i = 1:NL] {
	_s = ""
	_r = RAW[_i]
	do for [_k = 2:words(_r):8] {
		_s = _s . sprintf("%c%c%c%c%c%c%c%c", _B(_r, _k), _B(_r, _k + 1), _B(_r, _k + 2), \
				  _B(_r, _k + 3), _B(_r, _k + 4), _B(_r, _k + 5), _B(_r, _k + 6), _B(_r, _k + 7))
	}
	LBL[_i] = _s
}
undefine RAW

TITLE = LBL[1]
XLABEL = LBL[2]
YLABEL = LBL[3]
NAME(i) = LBL[3 + i]
MARKLABEL(i) = LBL[3 + NS + i]
CAT(i) = LBL[3 + NS + NM + i]
DATA = SCRATCH.'-data.dat'
LC(i) = SC[i]
DT(i) = SD[i] ? 2 : 1

set terminal svg size W,H fixed noenhanced font "sans,10" background "#ffffff"
set output SCRATCH.'.svg'

set title TITLE
set xlabel XLABEL
set ylabel YLABEL
set key noenhanced
set grid lc rgb "#dddddd" lw 1
set border 3 lc rgb "#555555"
set tics nomirror
# SI prefixes (72.5M), not 7.25e+07, for raw bit/s; else gnuplot's own.
if (YSI) { set format y "%.1s%c" } else { set format y "% h" }
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
	# room for the last date, which the rotation pushes right
	set rmargin 6
}
if (XFIX) { set xrange [XMIN:XMAX] }
# a few days: one tic a day (gnuplot would put several on each date)
if (XTIME && XFIX && XMAX - XMIN <= 20 * 86400) { set xtics 86400 }
if (YFIX) { set yrange [YMIN:YMAX] }

# Marks: a vertical line each. Change points, kernels and timed events
# carry their label written downwards from the top of the plot area;
# path-manager marks a short label (a group number) at the bottom, so the
# two never cover each other.
do for [_i = 1:NM] {
	_k = MK[_i]
	_c = _k == 1 ? "#c0392b" : _k == 3 ? "#e67e22" : _k == 4 ? "#3b6ea5" : "#777777"
	_d = _k == 3 ? 1 : _k == 2 || _k == 4 ? 3 : 2
	_w = _k == 1 || _k == 3 ? 1.5 : 1
	set arrow _i from first MX[_i], graph 0 to first MX[_i], graph 1 nohead front lc rgb _c dt _d lw _w
	if (_k == 4) {
		set label _i MARKLABEL(_i) at first MX[_i], graph 0.03 center front font ",9" tc rgb _c boxed
	} else { if (_k == 3) {
		# over a stacked area: on a white box, so the label reads on any colour
		set label _i MARKLABEL(_i) at first MX[_i], graph 0.97 rotate by -90 left offset 0.6,0 front font ",9" tc rgb _c boxed
	} else {
		set label _i MARKLABEL(_i) at first MX[_i], graph 0.98 rotate by -90 left offset 0.4,0 front font ",8" tc rgb _c
	} }
}
set style textbox opaque fc rgb "#ffffff" noborder margins 1,1
