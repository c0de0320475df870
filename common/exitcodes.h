/* exitcodes.h: the exit codes scripts and CI rely on (see README). */
#ifndef MPL_EXITCODES_H
#define MPL_EXITCODES_H

#define EXIT_OK 0	   /* success, no regression */
#define EXIT_FAIL 1	   /* regression found or a check failed */
#define EXIT_USAGE 64	   /* EX_USAGE: bad command line */
#define EXIT_DATAERR 65	   /* EX_DATAERR: bad input file */
#define EXIT_UNAVAILABLE 69 /* EX_UNAVAILABLE: capability missing */
#define EXIT_SOFTWARE 70   /* EX_SOFTWARE: internal or infrastructure error */

/* Map a negative errno from the libraries to an exit code. */
int exit_code_for(int err);

#endif
