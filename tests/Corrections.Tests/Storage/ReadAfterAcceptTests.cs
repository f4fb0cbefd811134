using System.Collections.Concurrent;
using System.Net;
using Corrections.Tests.Infrastructure;

namespace Corrections.Tests.Storage;

/// <summary>A 202 means the report is in its tables: the admin API finds it at once, during a burst too.</summary>
public sealed class ReadAfterAcceptTests() : ServiceTest(TestRelay.None)
{
    [Fact]
    public async Task During_a_burst_of_32_clients_every_accepted_report_is_found_right_after_its_202()
    {
        var admin = App.CreateAdminClient();
        var missing = new ConcurrentBag<string>();
        var accepted = 0;

        await Task.WhenAll(Enumerable.Range(0, 32).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"burst {client}-{i}"));
                Interlocked.Increment(ref accepted);
                using var found = await admin.GetAsync($"/api/reports/{id}");
                if (found.StatusCode != HttpStatusCode.OK)
                    missing.Add($"{id}: {(int)found.StatusCode}");
            }
        })));

        Assert.Equal(32 * 15, accepted);
        Assert.Empty(missing);
    }
}
