/* Helpers shared by the files of kernel/mm/ that manage VMAs.  All of them
 * expect mm->lock held. */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include <mm/vm.h>

struct vma *vma_find(struct mm *mm, uint64_t addr);
bool vm_range_free(struct mm *mm, uint64_t start, uint64_t end);
void vma_insert(struct mm *mm, struct vma *v);
/* Splits v at `at` (page aligned, strictly inside) into two VMAs.  -ENOMEM leaves v whole. */
int vma_split(struct vma *v, uint64_t at);
void vma_release_pages(struct mm *mm, uint64_t start, uint64_t end);
void vma_free(struct vma *v);
uint64_t vma_pte_flags(uint32_t prot);

#endif
