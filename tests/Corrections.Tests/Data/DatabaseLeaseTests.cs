using System.Net.Http.Json;
using Corrections.Data;
using Corrections.Features.Privacy;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Corrections.Tests.Data;

/// <summary>Work that must run on one instance at a time goes to whichever holds its lease row in the database.</summary>
public sealed class DatabaseLeaseTests() : ServiceTest(TestRelay.None)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private int instances;

    /// <summary>The lease as another instance of the service has it: same database, a name of its own.</summary>
    private DatabaseLease Instance() => Instance($"instance-{Interlocked.Increment(ref instances)}");

    /// <summary>The lease as the instance named <paramref name="name"/> has it, in this run of it.</summary>
    private DatabaseLease Instance(string name) =>
        new(App.Services.GetRequiredService<IServiceScopeFactory>(), App.Time, Instances.SharingTheDatabase(name));

    [Fact]
    public async Task Of_instances_competing_for_a_free_lease_exactly_one_gets_it()
    {
        var instances = Enumerable.Range(0, 8).Select(_ => Instance()).ToList();

        var won = await Task.WhenAll(instances.Select(i => Task.Run(() => i.TryAcquireAsync("job", Minute, CancellationToken.None))));

        Assert.Single(won, w => w);
        var holder = instances[Array.IndexOf(won, true)];
        Assert.Equal(holder.Owner, (await App.QueryAsync(db => db.Leases.SingleAsync(l => l.Name == "job"))).Owner);
    }

    [Fact]
    public async Task The_holder_renews_its_lease_and_the_others_are_refused_until_it_expires()
    {
        var first = Instance();
        var second = Instance();

        Assert.True(await first.TryAcquireAsync("job", Minute, CancellationToken.None));
        Assert.False(await second.TryAcquireAsync("job", Minute, CancellationToken.None));
        App.Time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(await first.TryAcquireAsync("job", Minute, CancellationToken.None));
        App.Time.Advance(TimeSpan.FromSeconds(50));
        Assert.False(await second.TryAcquireAsync("job", Minute, CancellationToken.None));
    }

    [Fact]
    public async Task An_expired_lease_goes_to_one_of_the_instances_that_race_for_it_and_its_old_holder_loses_it()
    {
        var old = Instance();
        Assert.True(await old.TryAcquireAsync("job", Minute, CancellationToken.None));
        App.Time.Advance(Minute + TimeSpan.FromSeconds(1));
        var others = Enumerable.Range(0, 8).Select(_ => Instance()).ToList();

        var won = await Task.WhenAll(others.Select(i => Task.Run(() => i.TryAcquireAsync("job", Minute, CancellationToken.None))));

        Assert.Single(won, w => w);
        Assert.False(await old.TryAcquireAsync("job", Minute, CancellationToken.None));
    }

    [Fact]
    public async Task A_released_lease_can_be_taken_at_once_and_only_its_holder_can_release_it()
    {
        var first = Instance();
        var second = Instance();
        Assert.True(await first.TryAcquireAsync("job", Minute, CancellationToken.None));

        await second.ReleaseAsync("job", CancellationToken.None);
        Assert.False(await second.TryAcquireAsync("job", Minute, CancellationToken.None));
        await first.ReleaseAsync("job", CancellationToken.None);
        Assert.True(await second.TryAcquireAsync("job", Minute, CancellationToken.None));
    }

    [Fact]
    public async Task An_instance_restarted_under_its_name_takes_its_unexpired_lease_back_at_once_while_others_still_wait()
    {
        var crashed = Instance("web-1");
        Assert.True(await crashed.TryAcquireAsync("job", Minute, CancellationToken.None));
        var restarted = Instance("web-1");
        var other = Instance("web-2");

        Assert.False(await other.TryAcquireAsync("job", Minute, CancellationToken.None));
        Assert.True(await restarted.TryAcquireAsync("job", Minute, CancellationToken.None));
        Assert.Equal("web-1", (await App.QueryAsync(db => db.Leases.SingleAsync(l => l.Name == "job"))).Owner);
    }

    [Fact]
    public async Task A_service_that_stops_gives_up_the_retention_jobs_lease()
    {
        var owner = App.Services.GetRequiredService<DatabaseLease>().Owner;
        await App.WaitUntilAsync(() => App.QueryAsync(db => db.Leases.AnyAsync(l => l.Name == ReaderEmailRetention.LeaseName && l.Owner == owner)));

        await App.DisposeAsync();

        Assert.False(await Data.QueryAsync(db => db.Leases.AnyAsync(l => l.Name == ReaderEmailRetention.LeaseName)));
    }

    [Fact]
    public async Task Leases_of_different_work_are_independent()
    {
        var first = Instance();
        var second = Instance();

        Assert.True(await first.TryAcquireAsync("one job", Minute, CancellationToken.None));
        Assert.True(await second.TryAcquireAsync("another job", Minute, CancellationToken.None));
    }

    [Fact]
    public async Task The_reader_address_retention_job_runs_only_on_the_instance_that_holds_its_lease()
    {
        var closed = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await App.CreateAdminClient().PostAsJsonAsync($"/api/reports/{closed}/triage", new { action = "reject" });
        var retention = App.Services.GetServices<IHostedService>().OfType<ReaderEmailRetention>().Single();
        await App.QueryAsync(db => db.Leases.Where(l => l.Name == ReaderEmailRetention.LeaseName).ExecuteDeleteAsync());
        Assert.True(await Instance().TryAcquireAsync(ReaderEmailRetention.LeaseName, TimeSpan.FromHours(40 * 24), CancellationToken.None));
        App.Time.Advance(TimeSpan.FromDays(31));

        Assert.False(await retention.RunOnThisInstanceAsync(CancellationToken.None));
        Assert.NotNull(await App.QueryAsync(db => db.ReportSubmissions.Select(s => s.ReaderEmail).SingleAsync()));

        App.Time.Advance(TimeSpan.FromDays(10));
        Assert.True(await retention.RunOnThisInstanceAsync(CancellationToken.None));
        Assert.Null(await App.QueryAsync(db => db.ReportSubmissions.Select(s => s.ReaderEmail).SingleAsync()));
    }
}
