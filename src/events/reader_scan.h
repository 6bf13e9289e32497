/*
 * reader_scan.h - the block scanner of reader.c, included there once per instruction set
 * with RDR_SCAN_NAME (the function), RDR_SCAN_ATTR (its target attribute), RDR_SCAN_BITS
 * (the masks of a 64-byte block) and RDR_SCAN_PXOR (the running XOR) defined. No include
 * guard: each inclusion defines one function and undefines the four macros.
 *
 * The record at r->pos, 64 bytes at a time: masks of quotes, commas, line feeds and carriage
 * returns; the bytes inside quotes from the running XOR of the quote mask; the field ends are
 * the commas and the line feed outside quotes, collected with count-trailing-zeros as the
 * next fields' starts in r->fstart[] (hsi_rdr_next turns the fields it is asked for into
 * strings). That is
 * a store per field where the byte scanner takes a table lookup and a branch per byte and a
 * mispredicted loop exit per field (a GED row has 49): it is the reader's whole inner loop,
 * so it is written here.
 *
 * RFC 4180 in bit form: an opening quote (the running XOR turns on) follows a comma, the
 * record start or another quote; a closing quote is followed by a comma, a quote, a line feed
 * or a carriage return; a carriage return outside quotes is followed by a line feed. A record
 * meeting these splits exactly as the byte scanner splits it. Anything else - a record that
 * does not end in the buffer, a line feed inside quotes (line numbers), a quote elsewhere, a
 * lone carriage return, a NUL byte - returns 0 and goes to the byte scanner, which reads it or
 * gives the exact message. Returns 1 with *nf fields, or -1 when out of memory.
 */
RDR_SCAN_ATTR static int RDR_SCAN_NAME(hsi_rdr *r, size_t *nf, size_t *end, hs_error *err)
{
    const char *b = r->buf;
    size_t n = r->len, k = 0, at = r->pos;
    uint64_t in = 0; /* all ones when the previous block ended inside quotes */
    /* bit 0: what the byte before the block was (the record start counts as a comma) */
    uint64_t prev_sep = 1, prev_q = 0, prev_close = 0, prev_cr = 0;
    r->fstart[0] = r->pos;
    for (;;) {
        /* The blocks while fstart has room for 64 more starts: no call in this loop, so its
           state and the comparison vectors stay in registers (with the growth call inside,
           they went to the stack at every block). */
        size_t *starts = r->fstart, cap = r->fcap;
        for (; at < n && k + 65 <= cap; at += 64) {
            rdr_bits m = RDR_SCAN_BITS(b + at);
            uint64_t valid = n - at >= 64 ? ~0ull : (1ull << (n - at)) - 1;
            uint64_t inq = RDR_SCAN_PXOR(m.q) ^ in;
            uint64_t nlout = m.nl & ~inq & valid;
            uint64_t sep = (m.comma | m.nl) & ~inq & valid;
            uint64_t crout = m.cr & ~inq;
            /* the bytes of this record in the block: up to its line feed, or all */
            uint64_t rec = nlout ? nlout ^ (nlout - 1) : valid;
            uint64_t open = m.q & inq, close = m.q & ~inq;
            uint64_t bad = open & ~((sep << 1) | prev_sep | (m.q << 1) | prev_q);
            bad |= ((close << 1) | prev_close) & ~(sep | m.q | crout);
            bad |= ((crout << 1) | prev_cr) & ~m.nl;
            bad |= (m.nl & inq) | m.nul;
            if (bad & rec) return 0;
            for (uint64_t s = sep & rec; s; s &= s - 1)
                starts[++k] = at + (size_t)__builtin_ctzll(s) + 1;
            if (nlout) {
                *nf = k;
                *end = starts[k];
                return 1;
            }
            in = 0 - (inq >> 63);
            prev_sep = sep >> 63;
            prev_q = m.q >> 63;
            prev_close = close >> 63;
            prev_cr = crout >> 63;
        }
        if (at >= n) return 0;
        if (rdr_grow_fields(r, err) != HS_OK) return -1;
    }
}

#undef RDR_SCAN_NAME
#undef RDR_SCAN_ATTR
#undef RDR_SCAN_BITS
#undef RDR_SCAN_PXOR
