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

public sealed class DigestConfigurationTests
{
    private static IEnumerable<string> Errors(Action<SiteOptions> change)
    {
        var site = new SiteOptions { Key = "demo", Name = "Demo", Origins = ["https://news.example.org"], Editors = ["editors@news.example.org"] };
        change(site);
        return new OptionsValidation().Validate(null, new SitesOptions { Sites = [site] }).Failures ?? [];
    }

    [Fact]
    public void Digest_mode_without_times_an_unknown_time_zone_or_a_bad_time_stops_the_start()
    {
        Assert.Contains(Errors(s => s.Mail.Mode = MailMode.Digest), e => e.StartsWith("Sites:0:Mail:DigestTimes must list at least one time"));
        Assert.Contains(Errors(s => s.TimeZone = "Europe/Atlantis"), e => e.StartsWith("Sites:0:TimeZone must be an IANA time zone"));
        Assert.Contains(Errors(s => s.Mail.DigestTimes = "9am"), e => e.StartsWith("Sites:0:Mail:DigestTimes must be local times"));
        Assert.Contains(Errors(s => s.Desks = [new DeskOptions { Name = "Sport", Editors = ["s@news.example.org"], Sections = ["Sport"], TimeZone = "Mars/Olympus" }]),
            e => e.StartsWith("Sites:0:Desks:0:TimeZone must be an IANA time zone"));
    }

    [Fact]
    public void A_desk_without_a_way_to_reach_it_or_a_name_stops_the_start()
    {
        var errors = Errors(s => s.Desks = [new DeskOptions { Name = "", Editors = ["s@news.example.org"] }]).ToList();

        Assert.Contains(errors, e => e.StartsWith("Sites:0:Desks:0:Name must be 1-100 characters"));
        Assert.Contains(errors, e => e.StartsWith("Sites:0:Desks:0 must list Paths, Authors or Sections"));
    }

    [Fact]
    public void A_desk_in_digest_mode_takes_the_sites_times_and_zone_unless_it_has_its_own()
    {
        var site = new SiteOptions { Mail = { Mode = MailMode.Each, DigestTimes = "09:00" }, TimeZone = "Europe/Kyiv" };
        var desk = new DeskOptions { Mail = { Mode = MailMode.Digest } };

        var plan = MailPlan.Of(desk, site);

        Assert.True(plan.IsDigest);
        Assert.Equal([new TimeOnly(9, 0)], plan.DigestTimes);
        Assert.Equal("Europe/Kyiv", plan.TimeZone.Id);
        Assert.False(MailPlan.Of(site).IsDigest);
    }
}
