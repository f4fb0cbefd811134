using Corrections.Configuration;

namespace Corrections.Tests.Digests;

public sealed class MailPlanTests
{
    private static MailPlan Kyiv(string times)
    {
        Assert.True(MailPlan.TryParseTimes(times, out var parsed));
        Assert.True(MailPlan.TryFindZone("Europe/Kyiv", out var zone));
        return new MailPlan(MailMode.Digest, parsed, zone);
    }

    [Theory]
    [InlineData("2026-12-07T06:59:00Z", "2026-12-06T15:00:00Z")] // before 09:00 in Kyiv (UTC+2): 17:00 the day before
    [InlineData("2026-12-07T07:00:00Z", "2026-12-07T07:00:00Z")]
    [InlineData("2026-12-07T14:59:59Z", "2026-12-07T07:00:00Z")]
    [InlineData("2026-07-07T06:00:00Z", "2026-07-07T06:00:00Z")] // UTC+3 in summer
    public void The_latest_digest_time_is_a_local_time_in_the_sites_zone(string now, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected), Kyiv("09:00,17:00").LatestSlot(DateTimeOffset.Parse(now)));

    [Fact]
    public void A_time_the_clocks_skip_comes_just_after_the_gap()
    {
        // 29 March 2026: 03:00 becomes 04:00 in Kyiv; 03:30 does not exist that day.
        var plan = Kyiv("03:30");

        Assert.Equal(DateTimeOffset.Parse("2026-03-28T01:30:00Z"), plan.LatestSlot(DateTimeOffset.Parse("2026-03-29T00:59:00Z")));
        Assert.Equal(DateTimeOffset.Parse("2026-03-29T01:00:00Z"), plan.LatestSlot(DateTimeOffset.Parse("2026-03-29T01:00:00Z")));
    }

    [Fact]
    public void A_time_the_clocks_repeat_comes_once_at_its_first_occurrence()
    {
        // 25 October 2026: 04:00 becomes 03:00 in Kyiv; 03:30 happens at 00:30Z and again at 01:30Z.
        var plan = Kyiv("03:30");

        Assert.Equal(DateTimeOffset.Parse("2026-10-25T00:30:00Z"), plan.LatestSlot(DateTimeOffset.Parse("2026-10-25T00:30:00Z")));
        Assert.Equal(DateTimeOffset.Parse("2026-10-25T00:30:00Z"), plan.LatestSlot(DateTimeOffset.Parse("2026-10-25T01:45:00Z")));
    }

    [Theory]
    [InlineData("09:00,17:00", true)]
    [InlineData(" 9:00 , 17:30 ", true)]
    [InlineData("", true)]
    [InlineData("9am", false)]
    [InlineData("25:00", false)]
    public void Digest_times_are_local_hours_and_minutes(string times, bool valid) =>
        Assert.Equal(valid, MailPlan.TryParseTimes(times, out _));

    [Fact]
    public void A_plan_in_each_mode_has_no_digest_time() =>
        Assert.Null(MailPlan.EachReport.LatestSlot(DateTimeOffset.UtcNow));
}
