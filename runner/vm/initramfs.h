/*
 * initramfs.h: the guest's initramfs, written as a newc cpio archive (the
 * format the kernel unpacks; see guest/guest_proto.h for its contents),
 * and the kernel modules it must carry to mount the host root over 9p.
 * Files only: nothing is run, nothing printed.
 */
#ifndef MPL_INITRAMFS_H
#define MPL_INITRAMFS_H

#include <stddef.h>

#include "diag.h"

/*
 * Module files (absolute paths, in load order: dependencies first) the
 * guest needs to mount 9p over virtio-pci, resolved with modules.dep and
 * modules.builtin of modules_dir (a lib/modules/<release> directory, made
 * by depmod). Built-in modules are left out; n may be 0. -ENOENT with the
 * module's name when one is neither built in nor a module there.
 * Frees with initramfs_modules_release().
 */
int initramfs_modules(const char *modules_dir, char ***paths, size_t *n, struct diag *d);
void initramfs_modules_release(char **paths, size_t n);

/*
 * Write the archive to out_path: /init (a copy of init_path, mode 0755),
 * the directories and /dev/console node of guest_proto.h, and the module
 * files (may be 0) under /modules with /modules/order. On error the
 * partial file is removed.
 */
int initramfs_write(const char *out_path, const char *init_path, char *const *modules,
		    size_t n_modules, struct diag *d);

#endif
