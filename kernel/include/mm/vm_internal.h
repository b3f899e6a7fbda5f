/* Helpers shared by the files of kernel/mm/ that manage VMAs.  All of them
 * expect mm->lock held. */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include <mm/vm.h>

/* The VMA holding addr, or NULL. */
struct vma *vma_find(struct mm *mm, uint64_t addr);
/* The lowest VMA ending above addr (holding it or after it), or NULL. */
struct vma *vma_first_after(struct mm *mm, uint64_t addr);
/* The VMA after (before) v in address order, or NULL. */
struct vma *vma_next(struct mm *mm, struct vma *v);
struct vma *vma_prev(struct mm *mm, struct vma *v);
bool vm_range_free(struct mm *mm, uint64_t start, uint64_t end);
/* Adds v (its range free) to the tree and the list, counting it in map_count. */
void vma_insert(struct mm *mm, struct vma *v);
/* Takes v out of the tree and the list (the caller frees it). */
void vma_unlink(struct mm *mm, struct vma *v);
/* v's end moved (brk, mremap growing in place): keeps the tree's summaries right. */
void vma_set_end(struct mm *mm, struct vma *v, uint64_t end);
/* Splits v at `at` (page aligned, strictly inside) into two VMAs.  -ENOMEM
 * leaves v whole.  It does not check VM_MAX_MAP_COUNT: callers that must
 * refuse to grow the count check first, as each does differently on Linux. */
int vma_split(struct mm *mm, struct vma *v, uint64_t at);
/* Merges the VMAs from the one before start to the one after end where
 * one continues the other: adjacent, anonymous, same protection and flags
 * (as Linux merges them, so patterns that Linux keeps as one mapping do
 * not count against VM_MAX_MAP_COUNT here either).  Never fails. */
void vma_merge_around(struct mm *mm, uint64_t start, uint64_t end);
/* v was made as a copy of another VMA (split, fork, mremap) or anew: takes
 * its file reference and tells its owner (ops->open).  vma_free undoes it. */
void vma_copied(struct vma *v);
void vma_release_pages(struct mm *mm, uint64_t start, uint64_t end);
void vma_free(struct vma *v);
uint64_t vma_pte_flags(uint32_t prot);

#endif
