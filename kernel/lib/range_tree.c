/* An AVL tree of disjoint ranges with per-subtree gap summaries (see
 * kernel/range_tree.h).  Insert and remove are recursive: the depth is at
 * most about 1.44 log2 n (under 30 levels for a million nodes), and each
 * level rebalances and recomputes its summary on the way back up. */
#include <kernel/range_tree.h>

static int height(const struct range_node *n)
{
    return n ? n->height : 0;
}

/* Recomputes n's height and summary from its children's. */
static void pull(struct range_node *n)
{
    struct range_node *l = n->left, *r = n->right;
    n->height = 1 + MAX(height(l), height(r));
    n->sub_start = l ? l->sub_start : n->start;
    n->sub_end = r ? r->sub_end : n->end;
    uint64_t gap = 0;
    if (l)
        gap = MAX(l->sub_gap, n->start - l->sub_end);
    if (r)
        gap = MAX(gap, MAX(r->sub_gap, r->sub_start - n->end));
    n->sub_gap = gap;
}

static struct range_node *rotate_right(struct range_node *n)
{
    struct range_node *l = n->left;
    n->left = l->right;
    l->right = n;
    pull(n);
    pull(l);
    return l;
}

static struct range_node *rotate_left(struct range_node *n)
{
    struct range_node *r = n->right;
    n->right = r->left;
    r->left = n;
    pull(n);
    pull(r);
    return r;
}

/* Restores the AVL balance at n (its subtrees are balanced and differ in
 * height by at most two) and its summary; returns the subtree's new root. */
static struct range_node *rebalance(struct range_node *n)
{
    int bal = height(n->left) - height(n->right);
    if (bal > 1) {
        if (height(n->left->left) < height(n->left->right))
            n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (bal < -1) {
        if (height(n->right->right) < height(n->right->left))
            n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    pull(n);
    return n;
}

static struct range_node *insert(struct range_node *root, struct range_node *n)
{
    if (!root)
        return n;
    if (n->start < root->start)
        root->left = insert(root->left, n);
    else
        root->right = insert(root->right, n);
    return rebalance(root);
}

void range_tree_insert(struct range_tree *t, struct range_node *n)
{
    n->left = n->right = NULL;
    pull(n);
    t->root = insert(t->root, n);
}

/* Detaches the lowest node of root's subtree into *min. */
static struct range_node *remove_min(struct range_node *root, struct range_node **min)
{
    if (!root->left) {
        *min = root;
        return root->right;
    }
    root->left = remove_min(root->left, min);
    return rebalance(root);
}

static struct range_node *remove(struct range_node *root, struct range_node *n)
{
    if (root == n) {
        if (!n->left || !n->right)
            return n->left ? n->left : n->right;
        struct range_node *succ;
        struct range_node *right = remove_min(n->right, &succ);
        succ->left = n->left;
        succ->right = right;
        return rebalance(succ);
    }
    if (n->start < root->start)
        root->left = remove(root->left, n);
    else
        root->right = remove(root->right, n);
    return rebalance(root);
}

void range_tree_remove(struct range_tree *t, struct range_node *n)
{
    t->root = remove(t->root, n);
    n->left = n->right = NULL;
}

/* Recomputes the summaries on the path from root down to n. */
static void repull_path(struct range_node *root, struct range_node *n)
{
    if (root != n)
        repull_path(n->start < root->start ? root->left : root->right, n);
    pull(root);
}

void range_tree_resized(struct range_tree *t, struct range_node *n)
{
    repull_path(t->root, n);
}

struct range_node *range_tree_find(const struct range_tree *t, uint64_t addr)
{
    struct range_node *n = t->root;
    while (n) {
        if (addr < n->start)
            n = n->left;
        else if (addr >= n->end)
            n = n->right;
        else
            return n;
    }
    return NULL;
}

struct range_node *range_tree_first_after(const struct range_tree *t, uint64_t addr)
{
    /* Ranges are disjoint, so ends increase with starts. */
    struct range_node *n = t->root, *best = NULL;
    while (n) {
        if (n->end > addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

struct gap_query {
    uint64_t len, floor, ceil;
};

/* The highest fitting base within the free space of n's subtree, which is
 * bounded by lo (the end of the range before the subtree, or 0) and hi (the
 * start of the range after it, or the top of the address space).  Every
 * free gap is the space at one empty child slot, so the search visits
 * slots from the highest down, skipping subtrees that cannot hold len:
 * those whose clipped bounds are too narrow (the ones above ceil or below
 * floor) and those whose widest gap is too small. */
static bool gap_below(const struct range_node *n, uint64_t lo, uint64_t hi, const struct gap_query *q, uint64_t *base)
{
    uint64_t from = MAX(lo, q->floor), to = MIN(hi, q->ceil);
    if (to < from || to - from < q->len)
        return false;
    if (!n) {
        *base = to - q->len;
        return true;
    }
    uint64_t widest = MAX(n->sub_gap, MAX(n->sub_start - lo, hi - n->sub_end));
    if (widest < q->len)
        return false;
    return gap_below(n->right, n->end, hi, q, base) || gap_below(n->left, lo, n->start, q, base);
}

bool range_tree_gap_below(const struct range_tree *t, uint64_t len, uint64_t floor, uint64_t ceil, uint64_t *base)
{
    struct gap_query q = {len, floor, ceil};
    return gap_below(t->root, 0, UINT64_MAX, &q, base);
}
