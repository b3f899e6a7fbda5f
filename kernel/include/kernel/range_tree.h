/* A balanced search tree of disjoint half-open ranges [start, end), keyed by
 * start: an AVL tree (heights of siblings differ by at most one, so depth
 * stays below 1.44 log2 n) whose nodes also carry a summary of their
 * subtree: its lowest start, highest end and widest free gap between two of
 * its ranges.  The summary lets a search for free space skip every subtree
 * whose gaps are too small, so lookup, insert, remove and "highest free gap
 * of len bytes below ceil" are all O(log n).  (The address spaces of mm/vm.c
 * are the user: one node per VMA.)
 *
 * The tree is intrusive (a node lives inside its owner's structure) and
 * never allocates.  The caller serialises all access and keeps ranges
 * disjoint and non-empty; it may move a node's bounds in place only with
 * range_tree_resized, and only as far as its neighbours allow. */
#ifndef KERNEL_RANGE_TREE_H
#define KERNEL_RANGE_TREE_H

#include <kernel/types.h>

struct range_node {
    uint64_t start, end; /* the range, set by the owner */
    struct range_node *left, *right;
    uint64_t sub_start;  /* lowest start in this subtree */
    uint64_t sub_end;    /* highest end in this subtree */
    uint64_t sub_gap;    /* widest space between two consecutive ranges of this subtree */
    int height;          /* 1 for a leaf */
};

struct range_tree {
    struct range_node *root;
};

#define RANGE_TREE_INIT {NULL}

/* Adds n, which must not overlap a range already in t. */
void range_tree_insert(struct range_tree *t, struct range_node *n);
void range_tree_remove(struct range_tree *t, struct range_node *n);
/* n's start or end moved (without overlapping a neighbour): fixes the summaries. */
void range_tree_resized(struct range_tree *t, struct range_node *n);
/* The range holding addr, or NULL. */
struct range_node *range_tree_find(const struct range_tree *t, uint64_t addr);
/* The lowest range ending above addr (the one holding addr, or the next one), or NULL. */
struct range_node *range_tree_first_after(const struct range_tree *t, uint64_t addr);
/* The highest base with [base, base + len) outside every range and inside
 * [floor, ceil): true and *base, or false when no gap fits.  len > 0. */
bool range_tree_gap_below(const struct range_tree *t, uint64_t len, uint64_t floor, uint64_t ceil, uint64_t *base);

#endif
