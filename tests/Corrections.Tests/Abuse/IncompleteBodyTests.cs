using System.Net.Sockets;
using System.Text;
using Corrections.Tests.Infrastructure;

namespace Corrections.Tests.Abuse;

/// <summary>A body shorter than its Content-Length, or one that trickles in, is the client's fault: a 4xx, not an error of the service.</summary>
public sealed class IncompleteBodyTests() : ServiceTest(TestRelay.None)
{
    /// <summary>Sends the request as raw bytes, keeps the connection open, and returns what the service answered.</summary>
    private static async Task<string> SendRawAsync(Uri service, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(service.Host, service.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (answer.ToString().Contains("}", StringComparison.Ordinal))
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
        }
        return answer.ToString();
    }

    [Fact]
    public async Task A_body_shorter_than_its_Content_Length_gets_a_4xx_problem_and_no_error_is_logged()
    {
        var service = await StartProcessAsync();

        var answer = await SendRawAsync(service.BaseAddress,
            "POST /api/reports HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 999\r\n\r\n{}");

        Assert.Matches(@"^HTTP/1\.1 40[08] ", answer);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        // Logged as the client's mistake, not as an unhandled exception of the service.
        Assert.Contains("body could not be read", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("unhandled exception", service.Output, StringComparison.OrdinalIgnoreCase);
    }
}
