/* csv core: the selective block scanner, included three times by csv.c -- once for any x86-64
 * (SSE2) or other machine, once with AVX2, POPCNT and PCLMUL enabled, once with AVX-512 (BW) and
 * BMI2 as well, for the machines that have them (chosen at run time). Define SCAN_NAME(x),
 * SCAN_TARGET and optionally SCAN_AVX2, or SCAN_AVX2 and SCAN_AVX512, before including.
 *
 * Per 64-byte block: bits of quotes q, delimiters d, line feeds l; m = prefix XOR of q (inside
 * quotes, the opening quote included) carried across blocks; delimiters and line feeds outside
 * quotes end fields and rows. "Anomalies" are the places where this model and the RFC 4180 parser
 * could disagree: an opening quote that does not follow a delimiter, a line feed, the row start or a
 * closing quote (a doubled quote); a closing quote not followed by a delimiter, a line feed, CR LF
 * or a quote; a line feed inside quotes. A row with an anomaly, or with the wrong number of fields,
 * is parsed again by the row parser from its start, and scanning resumes after it. */

SCAN_TARGET static inline void SCAN_NAME(block_bits)(const char *p, char dc, uint64_t *q, uint64_t *d, uint64_t *l) {
#if defined(SCAN_AVX512)
  __m512i a = _mm512_loadu_si512((const void *)p);
  *q = _mm512_cmpeq_epi8_mask(a, _mm512_set1_epi8('"'));
  *d = _mm512_cmpeq_epi8_mask(a, _mm512_set1_epi8(dc));
  *l = _mm512_cmpeq_epi8_mask(a, _mm512_set1_epi8('\n'));
#elif defined(SCAN_AVX2)
  const __m256i vq = _mm256_set1_epi8('"'), vd = _mm256_set1_epi8(dc), vl = _mm256_set1_epi8('\n');
  __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
  __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
  *q = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vq)) |
       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vq)) << 32;
  *d = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vd)) |
       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vd)) << 32;
  *l = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vl)) |
       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vl)) << 32;
#elif defined(__SSE2__)
  const __m128i vq = _mm_set1_epi8('"'), vd = _mm_set1_epi8(dc), vl = _mm_set1_epi8('\n');
  __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
  __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
#define MASK4(v)                                                                                    \
  ((uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, v)) |                                   \
   (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, v)) << 16 |                             \
   (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, v)) << 32 |                             \
   (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x3, v)) << 48)
  *q = MASK4(vq);
  *d = MASK4(vd);
  *l = MASK4(vl);
#undef MASK4
#else
  uint64_t mq = 0, md = 0, ml = 0;
  for (int i = 0; i < 64; i++) {
    mq |= (uint64_t)(p[i] == '"') << i;
    md |= (uint64_t)(p[i] == dc) << i;
    ml |= (uint64_t)(p[i] == '\n') << i;
  }
  *q = mq;
  *d = md;
  *l = ml;
#endif
}

SCAN_TARGET static inline uint64_t SCAN_NAME(prefix_xor)(uint64_t x) {
#if defined(SCAN_AVX2)
  return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8(-1), 0));
#else
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
#endif
}

/* 1 row, 0 end of file, -1 error */
SCAN_TARGET static int SCAN_NAME(fast_next)(csv_reader *r) {
  const size_t *nexttgt = r->nexttgt;
  const size_t nh = r->nheader;
  const char dc = r->delim;
  for (;;) {
    if (!r->s_active) {
      r->s_active = 1;
      r->s_have = 0;
      r->s_base = r->pos;
      r->s_fi = 0;
      r->s_inq = 0;
      r->s_prev = 1;
      r->s_close = 0;
    }
    size_t base = r->s_base, fi = r->s_fi;
    uint64_t inq = r->s_inq, prv = r->s_prev, cls = r->s_close;
    uint64_t dm = r->s_d, lm = r->s_l, am = r->s_a;
    if (!r->s_have) goto load;
    for (;;) {
      /* walk the rows ending in this block */
      for (;;) {
        uint64_t lbit = lm & (0 - lm);
        uint64_t before = lbit ? lbit - 1 : ~(uint64_t)0;
        if (am & (before | lbit)) goto slow;
        uint64_t dd = dm & before;
        while (dd) {
          size_t nt = nexttgt[fi < nh ? fi : nh + 1];
          size_t cnt = (size_t)__builtin_popcountll(dd);
          if (fi + cnt <= nt) {
            fi += cnt;
            break;
          }
#if defined(SCAN_AVX512)
          dd &= ~_pdep_u64(((uint64_t)1 << (nt - fi)) - 1, dd); /* its nt - fi lowest bits cleared */
#else
          for (size_t k = nt - fi; k; k--) dd &= dd - 1;
#endif
          r->dpos[nt] = base + (size_t)__builtin_ctzll(dd);
          fi = nt + 1;
          dd &= dd - 1;
        }
        if (!lbit) break;
        size_t e = base + (size_t)__builtin_ctzll(lbit);
        dm &= ~(before | lbit);
        lm &= lm - 1;
        size_t rs = r->pos;
        if (fi == 0 && (e == rs || (e == rs + 1 && r->buf[rs] == '\r'))) { /* blank line */
          r->pos = e + 1;
          r->line++;
          continue;
        }
        if (fi + 1 != nh) goto slow; /* ragged: the row parser reports it */
        r->s_base = base;
        r->s_fi = 0;
        r->s_inq = inq;
        r->s_prev = prv;
        r->s_close = cls;
        r->s_d = dm;
        r->s_l = lm;
        r->s_a = am;
        r->s_have = 1;
        fast_row(r, rs, e);
        return 1;
      }
      base += 64;
    load:
      if (base >= r->len) goto more;
      {
        const char *p = r->buf + base;
        uint64_t q, d, l;
        SCAN_NAME(block_bits)(p, dc, &q, &d, &l);
        size_t avail = r->len - base;
        uint64_t valid = avail < 64 ? ((uint64_t)1 << avail) - 1 : ~(uint64_t)0;
        q &= valid;
        d &= valid;
        l &= valid;
        uint64_t m = SCAN_NAME(prefix_xor)(q) ^ inq;
        inq = (uint64_t)((int64_t)m >> 63);
        uint64_t open = q & m, close = q & ~m;
        uint64_t dout = d & ~m, lout = l & ~m;
        uint64_t sepc = dout | lout | close;
        uint64_t anom = open & ~((sepc << 1) | prv);
        prv = sepc >> 63;
        uint64_t odd = ((close << 1) | cls) & ~(d | l | q) & valid;
        cls = close >> 63;
        while (odd) { /* CR after a closing quote: fine before a line feed */
          size_t i = (size_t)__builtin_ctzll(odd);
          if (!(p[i] == '\r' && base + i + 1 < r->len && p[i + 1] == '\n')) anom |= odd & (0 - odd);
          odd &= odd - 1;
        }
        anom |= l & m;
        dm = dout;
        lm = lout;
        am = anom;
      }
    }
  more:
    /* the row at r->pos is not complete in the buffer */
    r->s_active = 0;
    if (r->eof) return general_next(r);
    if (refill(r) != 0) return -1;
    continue;
  slow:
    r->s_active = 0;
    return general_next(r);
  }
}
