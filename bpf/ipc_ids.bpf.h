/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SysV IPC objects by id, as ipc_obtain_object_idr() finds them: the ipc
 * namespace keeps one idr (an xarray) per kind, indexed by the id's low
 * bits.  Read without the kernel's lock: a record's state is what the
 * object held about then, and an entry that is not the object with that
 * very id is no answer.  Used by --events (sem values, msg depths, shm
 * attach counts).
 */
#ifndef IPCTRACE_IPC_IDS_BPF_H
#define IPCTRACE_IPC_IDS_BPF_H

#include "common.bpf.h"

#define IPC_SEM_IDS 0      /* ipc_namespace.ids[] */
#define IPC_MSG_IDS 1
#define IPC_SHM_IDS 2
#define IPCMNI_SHIFT 15    /* ipc/util.h: index bits of an id ... */
#define IPCMNI_EXT_SHIFT 24 /* ... or with the ipcmni_extend boot option */

/*
 * idr_find(): a walk down the xarray (64 slots per node, at most 4 levels
 * for 24 index bits).  The kern_ipc_perm stored at idx, or NULL.
 */
static __always_inline struct kern_ipc_perm *ipc_idr_at(struct ipc_ids *ids, __u32 idx)
{
	__u64 slots = bpf_core_field_offset(struct xa_node, slots);
	__u64 e = (__u64)BPF_CORE_READ(ids, ipcs_idr.idr_rt.xa_head);
	__u32 base = BPF_CORE_READ(ids, ipcs_idr.idr_base);
	bool walked = false;
	__u64 off;
	__u8 shift;

	if (idx < base)
		return NULL;
	idx -= base;
	for (int i = 0; i < 5; i++) {
		/* xa_is_node(): an internal entry (low bits 10) above 4096 */
		if ((e & 3) != 2 || e <= 4096)
			break;
		shift = BPF_CORE_READ((struct xa_node *)(e - 2), shift);
		if (shift > 60 || (!walked && (idx >> shift) > 63))
			return NULL;
		off = (idx >> shift) & 63;
		if (bpf_probe_read_kernel(&e, sizeof(e), (void *)(e - 2) + slots + off * 8))
			return NULL;
		walked = true;
	}
	/* Without a node the head holds index 0 only; internal entries are no object. */
	if ((!walked && idx) || (e & 3) || !e)
		return NULL;
	return (struct kern_ipc_perm *)e;
}

/*
 * The object whose id is id in ids (&ns->ids[IPC_*_IDS]), or NULL.
 * ipcid_to_idx() keeps IPCMNI_SHIFT low bits, or 24 with ipcmni_extend:
 * that boot option is not readable here, so both are tried, and the one
 * whose object carries this very id wins.
 */
static __always_inline struct kern_ipc_perm *ipc_find(struct ipc_ids *ids, int id)
{
	struct kern_ipc_perm *perm;

	if (id < 0)
		return NULL;
	perm = ipc_idr_at(ids, (__u32)id & ((1u << IPCMNI_SHIFT) - 1));
	if (perm && BPF_CORE_READ(perm, id) == id)
		return perm;
	perm = ipc_idr_at(ids, (__u32)id & ((1u << IPCMNI_EXT_SHIFT) - 1));
	if (perm && BPF_CORE_READ(perm, id) == id)
		return perm;
	return NULL;
}

#endif /* IPCTRACE_IPC_IDS_BPF_H */
