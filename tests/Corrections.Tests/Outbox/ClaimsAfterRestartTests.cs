using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Corrections.Tests.Outbox;

/// <summary>
/// A restarted instance takes back at once the outbox rows it had claimed before; the claims of other instances on the
/// same database wait for their lease, as ever.
/// </summary>
public sealed class ClaimsAfterRestartTests : ServiceTest
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(120);

    private CorrectionsApp Start(InstanceIdentity? instance = null, FakeTimeProvider? time = null) =>
        StartApp(time: time, services: instance is null ? null : services => services.Replace(ServiceDescriptor.Singleton(instance)));

    /// <summary>Plays back the state an instance that crashed or is still sending leaves: pending rows under its claim.</summary>
    private static Task ClaimUnclaimedRowsAsync(CorrectionsApp app, string claim, DateTimeOffset leaseUntil) =>
        app.QueryAsync(db => db.Outbox
            .Where(m => m.LeaseOwner == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseOwner, claim).SetProperty(m => m.LeaseExpiresAt, leaseUntil)));

    [Fact]
    public async Task A_restarted_instance_mails_what_it_had_claimed_at_once_and_leaves_another_instances_unexpired_claims_to_their_lease()
    {
        var web1 = Instances.SharingTheDatabase("web-1");
        var beforeCrash = Start(web1);
        var start = beforeCrash.Time.GetUtcNow();
        var othersReports = await beforeCrash.SeedReportsAsync(2, start);
        await ClaimUnclaimedRowsAsync(beforeCrash, OutboxClaims.New("web-2"), start + Lease);
        var ownReports = await beforeCrash.SeedReportsAsync(2, start);
        await ClaimUnclaimedRowsAsync(beforeCrash, OutboxClaims.New("web-1"), start + Lease);
        await beforeCrash.DisposeAsync();

        var restarted = Start(web1, new FakeTimeProvider(start + TimeSpan.FromSeconds(1)));
        await restarted.WaitUntilAsync(async () => (await restarted.OutboxAsync()).Count(m => m.State == OutboxState.Done) == 2);
        await restarted.DispatchOnceAsync();

        Assert.Equal(ownReports.Order(), Smtp.MailedReports.Order());
        var othersRows = (await restarted.OutboxAsync()).Where(m => m.State != OutboxState.Done).ToList();
        Assert.Equal(2, othersRows.Count);
        Assert.All(othersRows, m =>
        {
            Assert.Equal(OutboxState.Pending, m.State);
            Assert.StartsWith("web-2/", m.LeaseOwner);
            Assert.Equal(0, m.Attempts);
        });

        // Should web-2 have crashed, its mail goes out once its lease has run out.
        await restarted.AdvanceUntilAsync(async () => (await restarted.OutboxAsync()).All(m => m.State == OutboxState.Done), TimeSpan.FromSeconds(10));
        Assert.True(restarted.Time.GetUtcNow() >= start + Lease);
        Assert.Equal(ownReports.Concat(othersReports).Order(), Smtp.MailedReports.Order());
    }

    [SkippableFact]
    public async Task On_SQLite_a_restart_takes_back_every_claim_in_the_database_whoever_made_it()
    {
        Skip.If(Data.Provider != DatabaseProvider.Sqlite, "Instances share a database server: there a restart takes back only its own claims");
        var beforeCrash = Start();
        var start = beforeCrash.Time.GetUtcNow();
        var reports = await beforeCrash.SeedReportsAsync(2, start);
        await ClaimUnclaimedRowsAsync(beforeCrash, OutboxClaims.New("renamed-since"), start + Lease);
        reports.AddRange(await beforeCrash.SeedReportsAsync(1, start));
        await ClaimUnclaimedRowsAsync(beforeCrash, Guid.NewGuid().ToString("N"), start + Lease); // as claimed before claims named their instance
        await beforeCrash.DisposeAsync();

        var restarted = Start(time: new FakeTimeProvider(start + TimeSpan.FromSeconds(1)));
        await restarted.WaitUntilAsync(async () => (await restarted.OutboxAsync()).All(m => m.State == OutboxState.Done));

        Assert.Equal(reports.Order(), Smtp.MailedReports.Order());
    }
}
