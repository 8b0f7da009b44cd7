#include "textmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t text_map_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Key copies are kept in blocks of at least this many bytes, not a malloc each. */
#define TEXT_MAP_BLOCK_BYTES 65536

struct text_map_block {
    text_map_block *next;
    size_t used, size;
    char text[];
};

#define SLOT_ENTRY_MASK 0xFFFFFFFFu

static embolo_error map_alloc(text_map *map, size_t capacity)
{
    map->capacity = capacity;
    map->slots = calloc(capacity, sizeof *map->slots);
    return map->slots ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

embolo_error text_map_init(text_map *map, size_t expected)
{
    size_t capacity = 64;
    while (capacity < expected * 2 + 1)
        capacity *= 2;
    map->blocks = NULL;
    map->slots = NULL;
    map->used = 0;
    map->entries_capacity = expected > 16 ? expected : 16;
    map->entries = malloc(map->entries_capacity * sizeof *map->entries);
    if (!map->entries || map_alloc(map, capacity) != EMBOLO_OK) {
        text_map_free(map);
        return EMBOLO_ERROR_NOMEM;
    }
    return EMBOLO_OK;
}

void text_map_free(text_map *map)
{
    while (map->blocks) {
        text_map_block *next = map->blocks->next;
        free(map->blocks);
        map->blocks = next;
    }
    free(map->slots);
    free(map->entries);
    map->slots = NULL;
    map->entries = NULL;
    map->capacity = map->used = map->entries_capacity = 0;
}

static uint64_t slot_make(uint64_t hash, size_t entry)
{
    return (hash & ~(uint64_t)SLOT_ENTRY_MASK) | (uint64_t)(entry + 1);
}

/* The slot holding key (of hash hash), or the empty slot where it would go. */
static uint64_t *map_slot(const text_map *map, const char *key, uint64_t hash)
{
    size_t mask = map->capacity - 1, i = (size_t)hash & mask;
    uint64_t high = hash & ~(uint64_t)SLOT_ENTRY_MASK;
    for (;; i = (i + 1) & mask) {
        uint64_t slot = map->slots[i];
        if (slot == 0 || ((slot & ~(uint64_t)SLOT_ENTRY_MASK) == high &&
                          strcmp(map->entries[(slot & SLOT_ENTRY_MASK) - 1].key, key) == 0))
            return &map->slots[i];
    }
}

/* Doubles the slots when they are half full, and the entries when they are full. */
static embolo_error map_grow(text_map *map)
{
    text_map grown;
    if (map->used == map->entries_capacity) {
        text_map_entry *entries = realloc(map->entries, 2 * map->entries_capacity * sizeof *entries);
        if (!entries)
            return EMBOLO_ERROR_NOMEM;
        map->entries = entries;
        map->entries_capacity *= 2;
    }
    if (map->used * 2 < map->capacity)
        return EMBOLO_OK;
    if (map_alloc(&grown, map->capacity * 2) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    free(map->slots);
    map->slots = grown.slots;
    map->capacity = grown.capacity;
    for (size_t e = 0; e < map->used; e++)
        *map_slot(map, map->entries[e].key, map->entries[e].hash) = slot_make(map->entries[e].hash, e);
    return EMBOLO_OK;
}

/* A copy of key (length bytes and its NUL) in the map's blocks; NULL when out of memory. */
static char *map_copy_key(text_map *map, const char *key, size_t length)
{
    text_map_block *block = map->blocks;
    if (!block || block->size - block->used < length + 1) {
        size_t size = length + 1 > TEXT_MAP_BLOCK_BYTES ? length + 1 : TEXT_MAP_BLOCK_BYTES;
        if (!(block = malloc(sizeof *block + size)))
            return NULL;
        block->next = map->blocks;
        block->used = 0;
        block->size = size;
        map->blocks = block;
    }
    char *copy = block->text + block->used;
    memcpy(copy, key, length + 1);
    block->used += length + 1;
    return copy;
}

embolo_error text_map_insert(text_map *map, const char *key, size_t value, size_t *stored)
{
    if (map->used >= SLOT_ENTRY_MASK)
        return EMBOLO_ERROR_TOO_LARGE;
    if (map_grow(map) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    uint64_t hash = text_map_hash(key);
    uint64_t *slot = map_slot(map, key, hash);
    if (*slot == 0) {
        text_map_entry *e = &map->entries[map->used];
        if (!(e->key = map_copy_key(map, key, strlen(key))))
            return EMBOLO_ERROR_NOMEM;
        e->hash = hash;
        e->value = value;
        *slot = slot_make(hash, map->used++);
    }
    if (stored)
        *stored = map->entries[(*slot & SLOT_ENTRY_MASK) - 1].value;
    return EMBOLO_OK;
}

size_t text_map_find(const text_map *map, const char *key)
{
    uint64_t slot = *map_slot(map, key, text_map_hash(key));
    return slot ? map->entries[(slot & SLOT_ENTRY_MASK) - 1].value : TEXT_MAP_NONE;
}
