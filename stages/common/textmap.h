/* A hash index from texts (already normalized by the caller) to numbers: patient ids to their
 * record, operator names to their group. Open addressing; inserts and look-ups are O(1). */
#ifndef EMBOLO_TEXTMAP_H
#define EMBOLO_TEXTMAP_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define TEXT_MAP_NONE SIZE_MAX

typedef struct text_map_block text_map_block;

/* One slot: a probe reads one place (key NULL: empty). */
typedef struct text_map_slot {
    const char *key;
    uint64_t hash;    /* compared before the key: most probes skip the string compare */
    size_t value;
} text_map_slot;

typedef struct text_map {
    text_map_slot *slots;
    size_t capacity, used;
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
