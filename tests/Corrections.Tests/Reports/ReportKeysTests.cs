using Corrections.Features.Reports.Submit;

namespace Corrections.Tests.Reports;

public sealed class ReportKeysTests
{
    [Fact]
    public void Report_ids_are_version_7_with_their_time_first_like_the_runtimes_and_sort_as_their_times_do()
    {
        var keys = new ReportKeys();
        var at = new DateTimeOffset(2026, 12, 1, 14, 30, 0, 123, TimeSpan.Zero);

        var id = keys.NewId(at);
        var runtimes = Guid.CreateVersion7(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2); // RFC 9562's variant, as the runtime's
        Assert.Equal(0b10, runtimes.Variant >> 2);
        Assert.Equal(runtimes.ToString()[..13], id.ToString()[..13]); // 48 bits of milliseconds
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(id.ToString("N")[..12], 16));
        var times = Enumerable.Range(0, 2000).Select(i => at.AddMilliseconds(i * 997L * i)).ToList();
        var ids = times.Select(keys.NewId).Select(g => g.ToString()).ToList();
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Report_ids_made_in_the_same_millisecond_differ_in_their_random_bits()
    {
        var keys = new ReportKeys();
        var at = DateTimeOffset.UnixEpoch.AddYears(57);

        // More than one read of the system's generator: the bytes of each read are handed out once.
        var ids = Enumerable.Range(0, 5000).Select(_ => keys.NewId(at)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        // The 74 random bits take every value in each position: none is left at zero.
        var randomHex = ids.Select(id => id.ToString("N")[13..]).ToList();
        for (var position = 0; position < randomHex[0].Length; position++)
            Assert.True(randomHex.Select(h => h[position]).Distinct().Count() > 1, $"hex digit {13 + position} never changes");
    }
}
