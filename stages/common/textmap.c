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

static embolo_error map_alloc(text_map *map, size_t capacity)
{
    map->capacity = capacity;
    map->used = 0;
    map->slots = calloc(capacity, sizeof *map->slots);
    return map->slots ? EMBOLO_OK : EMBOLO_ERROR_NOMEM;
}

embolo_error text_map_init(text_map *map, size_t expected)
{
    size_t capacity = 64;
    while (capacity < expected * 2 + 1)
        capacity *= 2;
    map->blocks = NULL;
    return map_alloc(map, capacity);
}

void text_map_free(text_map *map)
{
    while (map->blocks) {
        text_map_block *next = map->blocks->next;
        free(map->blocks);
        map->blocks = next;
    }
    free(map->slots);
    map->slots = NULL;
    map->capacity = map->used = 0;
}

/* The slot holding key (of hash hash), or the empty slot where it would go. */
static text_map_slot *map_slot(const text_map *map, const char *key, uint64_t hash)
{
    size_t mask = map->capacity - 1, i = (size_t)hash & mask;
    while (map->slots[i].key && (map->slots[i].hash != hash || strcmp(map->slots[i].key, key) != 0))
        i = (i + 1) & mask;
    return &map->slots[i];
}

/* Doubles the table when it is half full, moving every key. */
static embolo_error map_grow(text_map *map)
{
    text_map grown;
    if (map->used * 2 < map->capacity)
        return EMBOLO_OK;
    if (map_alloc(&grown, map->capacity * 2) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    for (size_t i = 0; i < map->capacity; i++)
        if (map->slots[i].key)
            *map_slot(&grown, map->slots[i].key, map->slots[i].hash) = map->slots[i];
    free(map->slots);
    map->slots = grown.slots;
    map->capacity = grown.capacity;
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
    if (map_grow(map) != EMBOLO_OK)
        return EMBOLO_ERROR_NOMEM;
    uint64_t hash = text_map_hash(key);
    text_map_slot *slot = map_slot(map, key, hash);
    if (!slot->key) {
        if (!(slot->key = map_copy_key(map, key, strlen(key))))
            return EMBOLO_ERROR_NOMEM;
        slot->hash = hash;
        slot->value = value;
        map->used++;
    }
    if (stored)
        *stored = slot->value;
    return EMBOLO_OK;
}

size_t text_map_find(const text_map *map, const char *key)
{
    const text_map_slot *slot = map_slot(map, key, text_map_hash(key));
    return slot->key ? slot->value : TEXT_MAP_NONE;
}
