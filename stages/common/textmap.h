/* A hash index from texts (already normalized by the caller) to numbers: patient ids to their
 * record, operator names to their group. Open addressing; inserts and look-ups are O(1). */
#ifndef EMBOLO_TEXTMAP_H
#define EMBOLO_TEXTMAP_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define TEXT_MAP_NONE SIZE_MAX

typedef struct text_map_block text_map_block;

typedef struct text_map_entry {
    const char *key;
    uint64_t hash;
    size_t value;
} text_map_entry;

/* The slots are small (a probe stays in a table a quarter of the entries' size, mostly in cache):
 * each is 0 (empty) or the high 32 bits of its key's hash above 1 + the index of its entry, so that a
 * probe compares the key only when those bits match. The entries are in insertion order. */
typedef struct text_map {
    uint64_t *slots;
    text_map_entry *entries;
    size_t capacity, used, entries_capacity;
    text_map_block *blocks;  /* where the keys' copies are kept */
} text_map;

/* The hash the map uses (FNV-1a, 64 bits), for other open-addressing tables of texts. */
uint64_t text_map_hash(const char *s);

/* Sized for `expected` keys (it grows beyond them). */
embolo_error text_map_init(text_map *map, size_t expected);
void text_map_free(text_map *map);

/* Maps key to value unless key is there already; *stored (may be NULL) gets the value the key
 * maps to afterwards, value or the earlier one. */
embolo_error text_map_insert(text_map *map, const char *key, size_t value, size_t *stored);

/* The value of key, TEXT_MAP_NONE if absent. */
size_t text_map_find(const text_map *map, const char *key);

#endif
