/* Host tests of the range tree (kernel/lib/range_tree.c): every operation
 * is checked against a brute-force model (an array of unit slots), and the
 * tree's shape and summaries are verified after each change. */
#include "unit.h"

#include <kernel/range_tree.h>
#include <stdlib.h>
#include <string.h>

/* The model: ranges are made of units of SCALE bytes in [0, SLOTS * SCALE). */
#define SLOTS 512
#define SCALE 4096ull

static struct range_node nodes[SLOTS];
static struct range_node *owner[SLOTS]; /* the node covering each unit, or NULL */
static struct range_tree tree;

static void reset(void)
{
    memset(nodes, 0, sizeof nodes);
    memset(owner, 0, sizeof owner);
    tree.root = NULL;
}

/* Checks order, AVL balance, heights and summaries; returns the node count. */
static int verify(const struct range_node *n, uint64_t lo, uint64_t hi)
{
    if (!n)
        return 0;
    CHECK(n->start < n->end);
    CHECK(n->start >= lo && n->end <= hi);
    int cl = verify(n->left, lo, n->start), cr = verify(n->right, n->end, hi);
    int hl = n->left ? n->left->height : 0, hr = n->right ? n->right->height : 0;
    CHECK(abs(hl - hr) <= 1);
    CHECK_EQ(n->height, 1 + (hl > hr ? hl : hr));
    CHECK_EQ(n->sub_start, n->left ? n->left->sub_start : n->start);
    CHECK_EQ(n->sub_end, n->right ? n->right->sub_end : n->end);
    uint64_t gap = 0;
    if (n->left && n->left->sub_gap > gap)
        gap = n->left->sub_gap;
    if (n->left && n->start - n->left->sub_end > gap)
        gap = n->start - n->left->sub_end;
    if (n->right && n->right->sub_gap > gap)
        gap = n->right->sub_gap;
    if (n->right && n->right->sub_start - n->end > gap)
        gap = n->right->sub_start - n->end;
    CHECK_EQ(n->sub_gap, gap);
    return cl + cr + 1;
}

/* Adds the range of units [a, b) if it is free in the model. */
static bool add(int a, int b)
{
    for (int u = a; u < b; u++)
        if (owner[u])
            return false;
    struct range_node *n = &nodes[a];
    n->start = a * SCALE;
    n->end = b * SCALE;
    range_tree_insert(&tree, n);
    for (int u = a; u < b; u++)
        owner[u] = n;
    return true;
}

static void drop(struct range_node *n)
{
    range_tree_remove(&tree, n);
    for (int u = 0; u < SLOTS; u++)
        if (owner[u] == n)
            owner[u] = NULL;
}

/* The model's answer to range_tree_gap_below, in units. */
static bool model_gap(int len, int floor, int ceil, int *base)
{
    for (int b = ceil - len; b >= floor; b--) {
        bool free_run = true;
        for (int u = b; u < b + len && free_run; u++)
            free_run = !owner[u];
        if (free_run) {
            *base = b;
            return true;
        }
    }
    return false;
}

static void check_queries(void)
{
    for (int u = 0; u < SLOTS; u++) {
        CHECK(range_tree_find(&tree, u * SCALE + 7) == owner[u]);
        struct range_node *next = NULL;
        for (int v = u; v < SLOTS && !next; v++)
            next = owner[v];
        CHECK(range_tree_first_after(&tree, u * SCALE + 1) == next);
    }
    for (int q = 0; q < 20; q++) {
        int len = 1 + rand() % 40, floor = rand() % SLOTS, ceil = floor + rand() % (SLOTS - floor + 1);
        int want;
        uint64_t got;
        bool found = range_tree_gap_below(&tree, len * SCALE, floor * SCALE, ceil * SCALE, &got);
        CHECK_EQ(found, model_gap(len, floor, ceil, &want));
        if (found)
            CHECK_EQ(got, want * SCALE);
    }
}

static void test_random_against_model(void)
{
    reset();
    srand(12);
    int live = 0;
    for (int step = 0; step < 3000; step++) {
        int u = rand() % SLOTS;
        if (owner[u] && rand() % 2) {
            drop(owner[u]);
        } else if (!owner[u]) {
            add(u, u + 1 + rand() % MIN(8, SLOTS - u));
        }
        live = verify(tree.root, 0, UINT64_MAX);
        if (step % 50 == 0)
            check_queries();
    }
    CHECK(live > 0);
    check_queries();
}

static void test_resize_keeps_summaries(void)
{
    reset();
    for (int u = 0; u < SLOTS; u += 4)
        add(u, u + 2);
    /* Grow every other range into its gap, then shrink some of them. */
    for (int u = 0; u < SLOTS; u += 8) {
        nodes[u].end += SCALE;
        owner[u + 2] = &nodes[u];
        range_tree_resized(&tree, &nodes[u]);
        verify(tree.root, 0, UINT64_MAX);
    }
    for (int u = 4; u < SLOTS; u += 16) {
        nodes[u].start += SCALE;
        owner[u] = NULL;
        range_tree_resized(&tree, &nodes[u]);
        verify(tree.root, 0, UINT64_MAX);
    }
    check_queries();
}

static void test_empty_tree(void)
{
    reset();
    uint64_t base;
    CHECK(range_tree_find(&tree, 0) == NULL);
    CHECK(range_tree_first_after(&tree, 0) == NULL);
    CHECK(range_tree_gap_below(&tree, 4096, 0x10000, 0x20000, &base));
    CHECK_EQ(base, 0x1f000);
    CHECK(!range_tree_gap_below(&tree, 0x20000, 0x10000, 0x20000, &base));
    CHECK(range_tree_gap_below(&tree, 1, 0, UINT64_MAX, &base));
    CHECK_EQ(base, UINT64_MAX - 1);
}

/* A hundred thousand adjacent ranges (the shape of alternating mprotects):
 * the depth stays logarithmic and gap search finds the one hole. */
static void test_many_ranges_stay_shallow(void)
{
    enum { N = 100000 };
    struct range_node *many = calloc(N, sizeof *many);
    CHECK(many != NULL);
    struct range_tree t = RANGE_TREE_INIT;
    for (int i = 0; i < N; i++) {
        many[i].start = (uint64_t)i * SCALE;
        many[i].end = many[i].start + SCALE;
        range_tree_insert(&t, &many[i]);
    }
    CHECK(t.root->height <= 25); /* 1.44 log2(100000) is about 24 */
    CHECK_EQ(verify(t.root, 0, UINT64_MAX), N);
    uint64_t base;
    CHECK(!range_tree_gap_below(&t, SCALE, 0, N * SCALE, &base));
    range_tree_remove(&t, &many[N / 3]);
    CHECK(range_tree_gap_below(&t, SCALE, 0, N * SCALE, &base));
    CHECK_EQ(base, (N / 3) * SCALE);
    CHECK(range_tree_find(&t, (N / 3) * SCALE) == NULL);
    CHECK(range_tree_find(&t, (N / 3 + 1) * SCALE) == &many[N / 3 + 1]);
    for (int i = 0; i < N; i++)
        if (i != N / 3)
            range_tree_remove(&t, &many[i]);
    CHECK(t.root == NULL);
    free(many);
}

int main(void)
{
    return unit_main("range_tree", (struct unit_test[]){
        UNIT(test_random_against_model),
        UNIT(test_resize_keeps_summaries),
        UNIT(test_empty_tree),
        UNIT(test_many_ranges_stay_shallow),
        {0},
    });
}
