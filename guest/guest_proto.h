/*
 * guest_proto.h: the contract between the host side of a VM run
 * (runner/vm/vm.c, runner/vm/initramfs.c) and the guest's first process
 * (guest/mpl-guest-init.c). Both sides include this file and nothing else
 * of each other. Plain C, no dependencies: the guest init is linked
 * statically and runs before any library of the host root is reachable.
 *
 * Boot: qemu starts IMAGE with our initramfs (newc cpio) holding
 *   /init                    the static guest init
 *   /modules/order           module file names in load order, one a line
 *   /modules/<name>.ko       what it takes to mount 9p over virtio
 *   /dev, /dev/console (c 5 1), /proc, /sys, /newroot
 * and two 9p shares: the host root (read-only) and a scratch directory
 * (read-write) that carries the command in and the results out.
 */
#ifndef MPL_GUEST_PROTO_H
#define MPL_GUEST_PROTO_H

/* 9p mount tags (qemu -virtfs ...,mount_tag=). */
#define GUEST_TAG_ROOT "mplroot"
#define GUEST_TAG_SCRATCH "mplscratch"

/* Where the guest mounts the scratch share, inside the host root. The
 * guest's /run is a tmpfs, so the mount point can be created. */
#define GUEST_SCRATCH_DIR "/run/mpl-scratch"

/* The guest's writable temporary directory (its /tmp is the host's, read-only). */
#define GUEST_TMP_DIR "/run/tmp"

/* Kernel command-line parameters the init reads from /proc/cmdline. */
#define GUEST_PARAM_MODROOT "mpl.modroot=" /* dir holding lib/modules/<release>; optional */
#define GUEST_PARAM_ACCEL "mpl.accel="	   /* "kvm" or "tcg", exported as MPL_VM_ACCEL */
/* The absolute path of mpl-guest-init inside the host root; needed with
 * mpl.modroot=, where the init installs itself as the kernel's modprobe
 * helper (which execs the host's modprobe -d <modroot>). */
#define GUEST_PARAM_INIT "mpl.init="
#define GUEST_PARAM_INIT "mpl.init="	   /* host path of mpl-guest-init (the modprobe helper) */

/* Files in the scratch share, written by the host before boot. */
#define GUEST_FILE_ARGV "argv" /* NUL-terminated strings; argv[0] an absolute path */
#define GUEST_FILE_ENV "env"   /* NUL-terminated KEY=VALUE strings (may be absent) */
#define GUEST_FILE_CWD "cwd"   /* one absolute directory, no newline needed */

/* Files in the scratch share, written by the guest. */
#define GUEST_FILE_STDOUT "stdout" /* the command's standard output */
#define GUEST_FILE_STDERR "stderr" /* the command's standard error */
/* The guest `run`'s --timeline: "t=<seconds since boot> <step>" lines
 * (started, probes done, lab up, transfer over, stored), on the clock of
 * the markers' t= below, so the host places them on its own time line. */
#define GUEST_FILE_TIMELINE "timeline"
/* One line, written last and fsync'ed: "exit N", "signal N", or
 * "error <what failed>" when the init itself could not run the command. */
#define GUEST_FILE_STATUS "status"

/* Lines the init prints on the console (ttyS0), in this order; the host
 * watches for them to tell a boot failure from a command failure. Each is
 * followed by " t=<seconds since boot, 3 decimals>" and details. */
#define GUEST_MARK_STARTED "mpl-guest-init: started"
#define GUEST_MARK_RUNNING "mpl-guest-init: running"
#define GUEST_MARK_DONE "mpl-guest-init: done"
#define GUEST_MARK_ERROR "mpl-guest-init: error:"

/* The environment the command gets in the guest, besides GUEST_FILE_ENV:
 * MPL_VM_ACCEL=<kvm|tcg>, MPL_GUEST=1, PATH, HOME and TMPDIR=GUEST_TMP_DIR. */
#define GUEST_ENV_ACCEL "MPL_VM_ACCEL"
/* Set by the host in GUEST_FILE_ENV when it found the image's kernel
 * config (a host path, read through the shared root): the guest's runs
 * then record its hash and debug markers like a bare-metal run does. */
#define GUEST_ENV_CONFIG "MPL_KERNEL_CONFIG"

#endif
