-- stats: Poisson, gamma, Garwood intervals, dispersion test, Erlang B/C, the stats.rng generator.
--
-- Sources of the reference values (all checked to 1e-9 relative or better):
--  * Poisson pmf/cdf/sf, regularized gamma P/Q and their inverses, Garwood limits, the
--    chance-constraint mean and the dispersion p-values: mpmath 1.3 at 40 significant digits
--    (gammainc(a, x, inf, regularized=True); inverses by 300-step bisection). The 95% Garwood
--    limits agree with the published tables (x = 0: [0, 3.689]; x = 1: [0.0253, 5.572];
--    x = 10: [4.795, 18.390]; e.g. Ulm 1990, Am J Epidemiol 131:373).
--  * Erlang B and C: exact rational arithmetic (Python fractions) of
--    B = (a^c/c!) / sum_k a^k/k!, C = c B / (c - a (1 - B)); B(10, 5) = 0.01838457 as in the
--    standard Erlang B tables.
--  * xoshiro256** and splitmix64: the reference C code (prng.di.unimi.it) re-implemented with
--    Python integers; the outputs from the state {1, 2, 3, 4} (11520, 0, 1509978240,
--    1215971899390074240, ...) and splitmix64(0) = 0xe220a8397b1dcdaf are the published vectors.
local stats = require "stats"

describe("stats module", function()
  it("adds no globals when required", function()
    assert.equals("function", type(spec.fresh_require("stats").poisson_cdf))
  end)
end)

describe("Poisson distribution", function()
  -- k, mean, pmf, cdf P(X <= k), sf P(X > k)
  local cases = {
    {0, 0.5, 6.065306597126334236e-1, 6.065306597126334236e-1, 3.934693402873665764e-1},
    {3, 2.5, 2.1376301724973644575e-1, 7.5757613313306596375e-1, 2.4242386686693403625e-1},
    {10, 10, 1.2511003572113329898e-1, 5.830397501929855073e-1, 4.169602498070144927e-1},
    {50, 30, 2.2087848072126550892e-4, 9.9970198701817323122e-1, 2.9801298182676878366e-4},
    {1000, 1000, 1.2614611348721499718e-2, 5.0840936716850599121e-1, 4.9159063283149400879e-1},
    {999000, 1e6, 2.420514150506490063e-4, 1.5877629981172561228e-1, 8.4122370018827438772e-1},
    {1000000, 1e6, 3.989422471562440297e-4, 5.0026596148628365279e-1, 4.9973403851371634721e-1},
    {1001500, 1e6, 1.2949332080464868879e-4, 9.3323055902075781417e-1, 6.676944097924218583e-2},
    {995000, 1e6, 1.4596440994146676393e-9, 2.8148203838965314419e-7, 9.9999971851796161035e-1},
    {1005000, 1e6, 1.5141581028614220741e-9, 9.999997081107532997e-1, 2.9188924670030268781e-7},
    {1, 1e-8, 9.9999999000000007092e-9, 9.9999999999999995e-1, 4.9999999666666670009e-17},
    {20, 1.5, 3.0497120896101726042e-16, 9.9999999999999997663e-1, 2.3372210700347163715e-17},
  }
  for _, c in ipairs(cases) do
    it(string.format("k = %d, mean = %g", c[1], c[2]), function()
      assert.rel(c[3], stats.poisson_pmf(c[1], c[2]))
      assert.rel(c[4], stats.poisson_cdf(c[1], c[2]))
      assert.rel(c[5], stats.poisson_sf(c[1], c[2]))
      assert.rel(math.log(c[3]), stats.poisson_logpmf(c[1], c[2]), 1e-12)
    end)
  end
  it("edge cases", function()
    assert.equals(-1e6, stats.poisson_logpmf(0, 1e6))
    assert.equals(0, stats.poisson_pmf(0, 1e6)) -- e^-1e6 underflows
    assert.equals(0, stats.poisson_pmf(-1, 3))
    assert.equals(0, stats.poisson_cdf(-1, 3))
    assert.equals(1, stats.poisson_sf(-1, 3))
    assert.equals(1, stats.poisson_pmf(0, 0))
    assert.equals(1, stats.poisson_cdf(5, 0))
  end)
  -- p, mean, smallest k with cdf(k) >= p (mpmath: cdf(k - 1) < p <= cdf(k))
  local quantiles = {
    {0.5, 0.5, 0}, {0.95, 3, 6}, {0.999, 10, 21}, {0.5, 1e6, 1000000}, {0.95, 1e6, 1001645},
    {1e-6, 1e6, 995250}, {0.999999, 1e6, 1004757}, {0.05, 250.5, 225}, {0, 4, 0},
  }
  for _, q in ipairs(quantiles) do
    it(string.format("quantile p = %g, mean = %g", q[1], q[2]), function()
      local k = stats.poisson_quantile(q[1], q[2])
      assert.equals(q[3], k)
      assert.equals("integer", math.type(k))
    end)
  end
  it("quantile of p = 1 is math.huge; quantile inverts cdf", function()
    assert.equals(math.huge, stats.poisson_quantile(1, 3))
    for k = 0, 40 do assert.equals(k, stats.poisson_quantile(stats.poisson_cdf(k, 12.5), 12.5)) end
  end)
end)

describe("Poisson rates and intervals", function()
  it("rate MLE from counts and exposure", function()
    local r, n, t = stats.poisson_rate(30, 12)
    assert.equals(2.5, r); assert.equals(30, n); assert.equals(12, t)
    r, n, t = stats.poisson_rate({3, 0, 5, 2}, {1, 2, 3, 4})
    assert.equals(1, r); assert.equals(10, n); assert.equals(10, t)
    assert.equals(2.5, (stats.poisson_rate({3, 0, 5, 2}, 4)))
  end)
  -- count, level, lower, upper (Garwood, on the mean)
  local garwood = {
    {0, 0.95, 0, 3.6888794541139363029},
    {0, 0.99, 0, 5.2983173665480366775},
    {1, 0.95, 2.5317807984289875404e-2, 5.5716433909388985972},
    {1, 0.99, 5.0125418235442820431e-3, 7.4301295002801224213},
    {2, 0.95, 2.422092785439649029e-1, 7.224687667723960815},
    {5, 0.95, 1.6234863901184205381, 1.1668332079322669631e+1},
    {5, 0.99, 1.0779282406523194766, 1.4149759411023015118e+1},
    {10, 0.95, 4.7953886961324336357, 1.839035604201777872e+1},
    {10, 0.99, 3.7169221314671175171, 2.1397827499654269876e+1},
    {100, 0.95, 8.1363991250923140433e+1, 1.2162679379242638995e+2},
  }
  for _, g in ipairs(garwood) do
    it(string.format("Garwood interval x = %d at %g", g[1], g[2]), function()
      local lo, hi = stats.poisson_ci(g[1], 1, g[2])
      if g[3] == 0 then assert.equals(0, lo) else assert.rel(g[3], lo) end
      assert.rel(g[4], hi)
    end)
  end
  it("interval defaults to 95% and scales by exposure", function()
    local lo, hi = stats.poisson_ci(10)
    assert.rel(4.7953886961324336357, lo); assert.rel(1.839035604201777872e+1, hi)
    lo, hi = stats.poisson_ci({4, 6}, {2, 3})
    assert.rel(4.7953886961324336357 / 5, lo); assert.rel(1.839035604201777872e+1 / 5, hi)
  end)
  -- capacity C, alpha, largest mean with P(X <= C) >= 1 - alpha
  local maxmean = {
    {0, 0.05, 5.1293294387550536348e-2}, {1, 0.05, 3.5536151069866206337e-1},
    {5, 0.01, 1.7852844853021959089}, {10, 0.05, 6.169007289395322292},
    {100, 0.1, 8.8353624118740029595e+1}, {1000000, 0.05, 9.9835671426129111207e+5},
  }
  for _, m in ipairs(maxmean) do
    it(string.format("chance-constraint mean C = %d, alpha = %g", m[1], m[2]), function()
      local mu = stats.poisson_max_mean(m[1], m[2])
      assert.rel(m[3], mu)
      assert.is_true(stats.poisson_cdf(m[1], mu * (1 - 1e-9)) >= 1 - m[2])
      assert.is_true(stats.poisson_cdf(m[1], mu * (1 + 1e-9)) < 1 - m[2])
    end)
  end
end)

describe("dispersion test", function()
  it("over-, under- and regular dispersion", function()
    local d = stats.dispersion_test {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5}
    assert.equals(4, d.mean)
    assert.rel(5.6, d.variance, 1e-14); assert.rel(1.4, d.index, 1e-14); assert.rel(14, d.statistic, 1e-14)
    assert.equals(10, d.df)
    assert.rel(1.7299160788207134563e-1, d.p_greater)
    assert.rel(8.2700839211792865437e-1, d.p_less)
    assert.rel(2 * 1.7299160788207134563e-1, d.p_two_sided)
    d = stats.dispersion_test {10, 10, 10, 10, 11}
    assert.rel(7.8431372549019607843e-2, d.statistic)
    assert.rel(7.4912471258423385459e-4, d.p_less)
    d = stats.dispersion_test {0, 0, 0, 0, 40}
    assert.rel(1.4619296241547862896e-33, d.p_greater)
    assert.rel(160, d.statistic)
  end)
end)

describe("incomplete gamma", function()
  -- a, x, P(a, x), Q(a, x)
  local cases = {
    {0.5, 0.1, 3.4527915398142297956e-1, 6.5472084601857702044e-1},
    {0.5, 2, 9.544997361036415856e-1, 4.5500263896358414401e-2},
    {3, 10, 9.9723060428448842406e-1, 2.7693957155115759437e-3},
    {10, 3, 1.1024881301154797421e-3, 9.9889751186988452026e-1},
    {100, 120, 9.7213626010947933852e-1, 2.7863739890520661484e-2},
    {1e6, 999000, 1.5865521357430365246e-1, 8.4134478642569634754e-1},
    {2.5, 0.001, 9.5085345986079498136e-9, 9.9999999049146540139e-1},
  }
  for _, c in ipairs(cases) do
    it(string.format("P and Q at a = %g, x = %g", c[1], c[2]), function()
      assert.rel(c[3], stats.gamma_p(c[1], c[2])); assert.rel(c[4], stats.gamma_q(c[1], c[2]))
    end)
  end
  -- a, p, P^-1(a, p), Q^-1(a, p)
  local inv = {
    {1, 0.5, 6.9314718055994530942e-1, 6.9314718055994530942e-1},
    {3, 0.025, 6.1867212289560130003e-1, 7.224687667723960742},
    {10.5, 0.9, 1.4807544718091366801e+1, 6.6197989876976519231},
    {1000, 0.001, 9.0512079093497661766e+2, 1.1005780982933146098e+3},
    {0.5, 0.3, 7.4235930916272719042e-2, 5.3709708542879269285e-1},
  }
  for _, c in ipairs(inv) do
    it(string.format("inverses at a = %g, p = %g", c[1], c[2]), function()
      assert.rel(c[3], stats.gamma_p_inv(c[1], c[2])); assert.rel(c[4], stats.gamma_q_inv(c[1], c[2]))
    end)
  end
  it("normal quantile (Python statistics.NormalDist)", function()
    assert.rel(1.959963984540054, stats.normal_quantile(0.975), 1e-15)
    assert.rel(-4.753424308822899, stats.normal_quantile(1e-6), 1e-14)
    assert.equals(0, stats.normal_quantile(0.5))
    assert.equals(-math.huge, stats.normal_quantile(0))
  end)
end)

describe("Erlang", function()
  -- servers, offered load, B, C
  local cases = {
    {1, 0.5, 3.3333333333333333333e-1, 5.0e-1},
    {2, 1.0, 2.0e-1, 3.3333333333333333333e-1},
    {10, 5.0, 1.8384570336648133137e-2, 3.6105359158320185976e-2},
    {10, 9.0, 1.6796322629158644869e-1, 6.6873152410769699951e-1},
    {20, 15.0, 4.559321558981183873e-2, 1.6042938741692361934e-1},
    {5, 0.1, 7.5403118265794634631e-8, 7.6941957295674861755e-8},
    {100, 80.0, 3.9920286045531974726e-3, 1.9646426634359511473e-2},
    {1000, 950.0, 3.6492936889424098551e-3, 6.8253415377141423573e-2},
    {1000, 1000.5, 2.5120447641254642471e-2, 1},
  }
  for _, c in ipairs(cases) do
    it(string.format("B and C for c = %d, a = %g", c[1], c[2]), function()
      assert.rel(c[3], stats.erlang_b(c[1], c[2]))
      assert.rel(c[4], stats.erlang_c(c[1], c[2]))
    end)
  end
  it("edge cases", function()
    assert.equals(1, stats.erlang_b(0, 3))
    assert.equals(0, stats.erlang_b(3, 0))
    assert.equals(1, stats.erlang_c(3, 3))
    assert.equals(0, stats.erlang_b(1000, 100)) -- 9.2e-612 underflows to 0, not NaN
  end)
  -- load, target, smallest c with B <= target, smallest c > a with C <= target
  local servers = {{5, 0.01, 11, 12}, {50, 0.01, 64, 68}, {950, 0.001, 1021, 1048}, {2, 0.2, 4, 4}, {10, 0.5, 6, 12}}
  for _, s in ipairs(servers) do
    it(string.format("servers for a = %g, target %g", s[1], s[2]), function()
      assert.equals(s[3], stats.erlang_b_servers(s[1], s[2]))
      assert.equals(s[4], stats.erlang_c_servers(s[1], s[2]))
    end)
  end
end)

describe("stats.rng", function()
  local function hex(v) return string.format("0x%016x", v) end
  it("reproduces the xoshiro256** reference vectors", function()
    local r = stats.rng(0):setstate(1, 2, 3, 4)
    local want = {11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600}
    for i = 1, #want do assert.equals(want[i], r:next()) end
  end)
  it("seeds through splitmix64 (same stream on every machine)", function()
    local s0 = {stats.rng(0):state()}
    assert.equals("0xe220a8397b1dcdaf", hex(s0[1]))
    assert.equals("0x6e789e6aa1b965f4", hex(s0[2]))
    local seeds = {
      {0, {"0x99ec5f36cb75f2b4", "0xbf6e1f784956452a", "0x1a5f849d4933e6e0"}},
      {42, {"0x15780b2e0c2ec716", "0x6104d9866d113a7e", "0xae17533239e499a1"}},
      {-1, {"0x8f5520d52a7ead08", "0xc476a018caa1802d", "0x81de31c0d260469e"}}, -- 2^64 - 1
    }
    for _, s in ipairs(seeds) do
      local r = stats.rng(s[1])
      for i = 1, 3 do assert.equals(s[2][i], hex(r:next())) end
    end
    local r = stats.rng(42)
    assert.equals(0.08386297105988216, r:uniform())
    assert.equals(0.3789802506626686, r:uniform())
  end)
  it("jump, clone, state", function()
    local r = stats.rng(0):setstate(1, 2, 3, 4)
    assert.equals(r, r:jump())
    local s = {r:state()}
    assert.equals("0x8c7a153956b5f3d1", hex(s[1]))
    assert.equals("0x8386b786c4408050", hex(s[4]))
    local c = r:clone()
    assert.equals("0xbbd2f312298443d8", hex(r:next()))
    assert.equals("0xbbd2f312298443d8", hex(c:next()))
    assert.matches("^stats%.rng: ", tostring(r))
  end)
  it("integers in range without bias (rejection), reproducible", function()
    local r = stats.rng(7)
    local got = {}
    for i = 1, 10 do got[i] = r:integer(6) end
    assert.same({1, 3, 1, 5, 3, 6, 5, 5, 5, 2}, got)
    r = stats.rng(1)
    for _ = 1, 1000 do
      local v = r:integer(-3, 3)
      assert.is_true(v >= -3 and v <= 3 and math.type(v) == "integer")
    end
    assert.equals("integer", math.type(r:integer(math.mininteger, math.maxinteger)))
    assert.equals(5, r:integer(5, 5))
  end)
  it("sample moments match (seeded; tolerances 5 standard errors)", function()
    local r = stats.rng(2024)
    local n = 20000
    for _, mu in ipairs {0.7, 6, 10, 45.5, 1e6} do
      local s1, s2 = 0, 0
      for _, k in ipairs(r:poisson(mu, n)) do s1 = s1 + k; s2 = s2 + k * k end
      local m = s1 / n
      local v = s2 / n - m * m
      assert.is_true(math.abs(m - mu) < 5 * math.sqrt(mu / n), "poisson mean " .. mu .. ": " .. m)
      assert.is_true(math.abs(v / mu - 1) < 5 * math.sqrt(2 / n) + 5 / math.sqrt(mu * n), "variance " .. v)
    end
    local s = 0
    for _ = 1, n do s = s + r:exponential(4) end
    assert.is_true(math.abs(s / n - 0.25) < 5 * 0.25 / math.sqrt(n))
    s = 0
    for _ = 1, n do s = s + r:normal(10, 2) end
    assert.is_true(math.abs(s / n - 10) < 5 * 2 / math.sqrt(n))
    s = 0
    for _ = 1, n do
      local u = r:uniform(2, 4)
      assert.is_true(u >= 2 and u < 4)
      s = s + u
    end
    assert.is_true(math.abs(s / n - 3) < 5 * math.sqrt(4 / 12 / n))
    assert.equals(0, r:poisson(0))
    assert.equals("integer", math.type(r:poisson(3.5)))
  end)
end)

describe("misuse", function()
  local r = stats.rng(1)
  local bad = {
    {function() stats.poisson_cdf(1, -1) end, "bad argument #2 to 'poisson_cdf' (mean must be finite and >= 0)"},
    {function() stats.poisson_pmf(1, 0 / 0) end, "bad argument #2 to 'poisson_pmf' (mean must be finite and >= 0)"},
    {function() stats.poisson_pmf(1.5, 2) end, "bad argument #1 to 'poisson_pmf' (number has no integer representation)"},
    {function() stats.poisson_sf(1, math.huge) end, "bad argument #2 to 'poisson_sf' (mean must be finite and >= 0)"},
    {function() stats.poisson_quantile(1.5, 2) end, "bad argument #1 to 'poisson_quantile' (probability must be in [0, 1])"},
    {function() stats.poisson_rate(3, 0) end, "bad argument #2 to 'poisson_rate' (exposure must be > 0)"},
    {function() stats.poisson_rate({1, 2}, {1}) end, "bad argument #2 to 'poisson_rate' (length 1 differs from argument #1's 2)"},
    {function() stats.poisson_rate({1, -2}, 1) end, "bad argument #1 to 'poisson_rate' (count at index 2 must be finite and >= 0)"},
    {function() stats.poisson_rate(-1, 1) end, "bad argument #1 to 'poisson_rate' (count must be finite and >= 0)"},
    {function() stats.poisson_rate("3", 1) end, "bad argument #1 to 'poisson_rate' (array expected, got string)"},
    {function() stats.poisson_ci(3, 1, 1) end, "bad argument #3 to 'poisson_ci' (level must be in (0, 1))"},
    {function() stats.poisson_ci({1, "x"}) end, "bad argument #1 to 'poisson_ci' (number expected at index 2, got string)"},
    {function() stats.poisson_max_mean(-1, 0.05) end, "bad argument #1 to 'poisson_max_mean' (capacity must be finite and >= 0)"},
    {function() stats.poisson_max_mean(3, 1) end, "bad argument #2 to 'poisson_max_mean' (alpha must be in (0, 1))"},
    {function() stats.dispersion_test {3} end, "bad argument #1 to 'dispersion_test' (at least 2 counts needed)"},
    {function() stats.dispersion_test {0, 0} end, "bad argument #1 to 'dispersion_test' (counts are all zero)"},
    {function() stats.gamma_p(0, 1) end, "bad argument #1 to 'gamma_p' (shape must be finite and > 0)"},
    {function() stats.gamma_q(1, -1) end, "bad argument #2 to 'gamma_q' (x must be >= 0)"},
    {function() stats.gamma_p_inv(1, 2) end, "bad argument #2 to 'gamma_p_inv' (probability must be in [0, 1])"},
    {function() stats.erlang_b(-1, 2) end, "bad argument #1 to 'erlang_b' (servers must be in [0, 1e8])"},
    {function() stats.erlang_c(2, -2) end, "bad argument #2 to 'erlang_c' (load must be finite and >= 0)"},
    {function() stats.erlang_b_servers(5, 0) end, "bad argument #2 to 'erlang_b_servers' (target must be in (0, 1])"},
    {function() stats.erlang_c_servers(5, 1.5) end, "bad argument #2 to 'erlang_c_servers' (target must be in (0, 1])"},
    {function() stats.rng() end, "bad argument #1 to 'rng' (number expected, got no value)"},
    {function() stats.rng(1.5) end, "bad argument #1 to 'rng' (number has no integer representation)"},
    {function() r:integer(0) end, "bad argument #1 to 'integer' (n must be >= 1)"},
    {function() r:integer(3, 2) end, "bad argument #2 to 'integer' (upper bound must be >= lower bound)"},
    {function() r:uniform(1) end, "bad argument #2 to 'uniform' (number expected, got no value)"},
    {function() r:uniform(3, 2) end, "bad argument #2 to 'uniform' (upper bound must be finite and >= lower bound)"},
    {function() r:exponential(0) end, "bad argument #1 to 'exponential' (rate must be finite and > 0)"},
    {function() r:poisson(-1) end, "bad argument #1 to 'poisson' (mean must be in [0, 1e15])"},
    {function() r:poisson(1, -1) end, "bad argument #2 to 'poisson' (count must be in [0, 1e8])"},
    {function() r:normal(0, -1) end, "bad argument #2 to 'normal' (standard deviation must be finite and >= 0)"},
    {function() r:setstate(0, 0, 0, 0) end, "bad argument #1 to 'setstate' (state must not be all zero)"},
    {function() r.next({}) end, "bad argument #1 to 'next' (stats.rng expected, got table)"},
  }
  for i, c in ipairs(bad) do
    it("raises a clear error (" .. i .. ")", function() assert.raises(c[1], c[2]) end)
  end
end)
