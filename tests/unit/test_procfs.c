// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* /proc/PID/maps lines as the mapping scan at start-up reads them. */
#include <criterion/criterion.h>
#include "core/procfs.h"

static struct procfs_map m;

Test(procfs_maps, shared_file_with_spaces)
{
	cr_assert(procfs_maps_line("7f0a12340000-7f0a12350000 rw-s 00002000 fd:01 123456   "
				   "   /var/lib/my data/x y.bin\n", &m));
	cr_assert_eq(m.start, 0x7f0a12340000ull);
	cr_assert_eq(m.end, 0x7f0a12350000ull);
	cr_assert_eq(m.offset, 0x2000);
	cr_assert_eq(m.dev, (0xfdull << 20) | 1);
	cr_assert_eq(m.ino, 123456);
	cr_assert(m.read && m.write && !m.exec && m.shared && !m.deleted);
	cr_assert_str_eq(m.path, "/var/lib/my data/x y.bin");
}

Test(procfs_maps, deleted_sysv_and_anon)
{
	cr_assert(procfs_maps_line("7f00-8f00 rw-s 00000000 00:01 32769 /SYSV0000abcd (deleted)",
				   &m));
	cr_assert(m.deleted);
	cr_assert_str_eq(m.path, "/SYSV0000abcd");
	cr_assert_eq(m.dev, 1);
	cr_assert_eq(m.ino, 32769);
	cr_assert(procfs_maps_line("7f00-8f00 r--s 00000000 00:01 7 /dev/zero (deleted)\n", &m));
	cr_assert(m.deleted && !m.write && m.shared);
	cr_assert_str_eq(m.path, "/dev/zero");
}

/* A file whose own name ends in " (deleted)" and is deleted: only the kernel's suffix goes. */
Test(procfs_maps, deleted_twice)
{
	cr_assert(procfs_maps_line("1000-2000 rw-s 00000000 08:02 9 /tmp/a (deleted) (deleted)",
				   &m));
	cr_assert(m.deleted);
	cr_assert_str_eq(m.path, "/tmp/a (deleted)");
}

Test(procfs_maps, anonymous_private_and_big_device)
{
	cr_assert(procfs_maps_line("55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0 \n", &m));
	cr_assert_str_eq(m.path, "");
	cr_assert(!m.shared && !m.deleted);
	cr_assert(procfs_maps_line("1000-2000 r--p 00000000 103:0a 5 /x", &m));
	cr_assert_eq(m.dev, (0x103ull << 20) | 0xa);
}

Test(procfs_maps, not_a_maps_line)
{
	cr_assert_not(procfs_maps_line("", &m));
	cr_assert_not(procfs_maps_line("hello world", &m));
	cr_assert_not(procfs_maps_line("2000-1000 rw-s 0 08:02 9 /x", &m));
	cr_assert_not(procfs_maps_line("1000-2000 rw-sx 0 08:02 9 /x", &m));
}
