using System.Diagnostics;
using System.Net;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Corrections.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Corrections.Tests.Outbox;

/// <summary>
/// The dispatcher gives way to a burst of readers' submissions: before each mail it waits, up to
/// Outbox:GiveWayMilliseconds, until fewer than SubmissionsInFlight.Burst are in flight. Submissions are kept in flight
/// here by holding them on their way to the store.
/// </summary>
public sealed class GiveWayTests : ServiceTest
{
    private readonly StoreGate sync = new();

    private CorrectionsApp Start(int giveWayMilliseconds) => StartApp(
        new()
        {
            ["Outbox:GiveWayMilliseconds"] = giveWayMilliseconds.ToString(),
            // The test runs each pass itself; the background dispatcher only wakes after a commit.
            ["Outbox:PollIntervalSeconds"] = "3600",
        },
        services: services => services.Replace(ServiceDescriptor.Singleton<ISubmissionStore>(provider =>
            sync.InFrontOf(provider.GetRequiredService<GroupCommitStore>()))));

    /// <summary>
    /// Waits until each seeded report has been mailed. The background dispatcher makes its first pass as the host
    /// starts, which can be after the seeding, so either that pass or the test's own may be the one that sends.
    /// </summary>
    private async Task WaitUntilMailedAsync(CorrectionsApp app, IEnumerable<Guid> seeded) =>
        await app.WaitUntilAsync(() => Task.FromResult(seeded.All(Smtp.MailedReports.Contains)));

    /// <summary>Submits reports that the test holds on their way to the store until it opens the gate.</summary>
    private async Task<Task<HttpResponseMessage[]>> KeepSubmissionsInFlightAsync(CorrectionsApp app, int count)
    {
        var sending = Task.WhenAll(Enumerable.Range(0, count).Select(i => app.SubmitAsync(Infrastructure.Reports.Valid(exact: $"in flight {i}"))));
        var inFlight = app.Services.GetRequiredService<SubmissionsInFlight>();
        await app.WaitUntilAsync(() => Task.FromResult(sync.Holding == count && inFlight.Count == count));
        return sending;
    }

    public override async Task DisposeAsync()
    {
        sync.Open();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Mail_waits_while_a_burst_of_readers_submissions_is_in_flight_and_goes_out_once_they_are_answered()
    {
        var app = Start(giveWayMilliseconds: 10_000);
        var sending = await KeepSubmissionsInFlightAsync(app, SubmissionsInFlight.Burst);
        var seeded = await app.SeedReportsAsync(2, dueAt: app.Time.GetUtcNow());

        var dispatching = app.DispatchOnceAsync();
        await Task.Delay(1000);

        Assert.Empty(Smtp.Messages);
        sync.Open();
        Assert.All(await sending, answer => Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode));
        await dispatching.WaitAsync(TimeSpan.FromSeconds(15));
        await WaitUntilMailedAsync(app, seeded);
    }

    [Fact]
    public async Task A_few_submissions_in_flight_as_at_a_steady_rate_do_not_hold_mail_back()
    {
        var app = Start(giveWayMilliseconds: 10_000);
        var sending = await KeepSubmissionsInFlightAsync(app, SubmissionsInFlight.Burst - 1);
        var seeded = await app.SeedReportsAsync(3, dueAt: app.Time.GetUtcNow());

        var started = Stopwatch.GetTimestamp();
        await app.DispatchOnceAsync().WaitAsync(TimeSpan.FromSeconds(5));
        await WaitUntilMailedAsync(app, seeded);

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "the mail waited for the submissions in flight");
        Assert.False(sending.IsCompleted);
        sync.Open();
        Assert.All(await sending, answer => Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode));
    }

    [Fact]
    public async Task During_a_burst_that_lasts_mail_still_goes_out_one_message_per_give_way_time()
    {
        var app = Start(giveWayMilliseconds: 300);
        var sending = await KeepSubmissionsInFlightAsync(app, SubmissionsInFlight.Burst);
        var seeded = await app.SeedReportsAsync(3, dueAt: app.Time.GetUtcNow());

        var started = Stopwatch.GetTimestamp();
        await app.DispatchOnceAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await WaitUntilMailedAsync(app, seeded);
        var took = Stopwatch.GetElapsedTime(started);

        Assert.False(sending.IsCompleted, "the submissions were answered before the mail went out");
        Assert.True(took >= TimeSpan.FromMilliseconds(3 * 300 - 50), $"the pass took {took.TotalMilliseconds:F0} ms: it did not wait before each message");
    }

    [Fact]
    public async Task Without_submissions_in_flight_mail_goes_out_without_waiting()
    {
        var app = Start(giveWayMilliseconds: 10_000);
        var seeded = await app.SeedReportsAsync(3, dueAt: app.Time.GetUtcNow());

        var started = Stopwatch.GetTimestamp();
        await app.DispatchOnceAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await WaitUntilMailedAsync(app, seeded);

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "the mail waited although no submission was in flight");
        Assert.Equal(seeded.ToHashSet(), Smtp.MailedReports.ToHashSet());
    }
}

/// <summary>Holds submissions in front of the store until opened.</summary>
internal sealed class StoreGate
{
    private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int holding;

    public int Holding => Volatile.Read(ref holding);

    public void Open() => gate.TrySetResult();

    public ISubmissionStore InFrontOf(ISubmissionStore store) => new Gated(this, store);

    private sealed class Gated(StoreGate owner, ISubmissionStore store) : ISubmissionStore
    {
        public async ValueTask<StoredSubmission> StoreAsync(PreparedSubmission submission, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner.holding);
            await owner.gate.Task.WaitAsync(cancellationToken);
            return await store.StoreAsync(submission, cancellationToken);
        }
    }
}
