using System.Net;
using System.Net.Sockets;

namespace Corrections.Tests.Infrastructure;

/// <summary>
/// Accepts connections on 127.0.0.1 and never says a word: a relay that hangs. Once told <see cref="ForwardTo"/>,
/// new connections are passed through to a working server, so the same address recovers.
/// </summary>
public sealed class SilentSmtpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource running = new();
    private readonly List<TcpClient> clients = [];
    private readonly Task accepting;
    private int connections;
    private int openSilentConnections;
    private volatile int forwardPort;

    private SilentSmtpServer()
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptAsync();
    }

    public int Port { get; }
    public int Connections => Volatile.Read(ref connections);

    /// <summary>Connections accepted in silence whose client has not hung up yet.</summary>
    public int OpenSilentConnections => Volatile.Read(ref openSilentConnections);

    public static SilentSmtpServer Start() => new();

    public void ForwardTo(int port) => forwardPort = port;

    private async Task AcceptAsync()
    {
        while (!running.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(running.Token);
            }
            catch (Exception) when (running.IsCancellationRequested)
            {
                return;
            }
            Interlocked.Increment(ref connections);
            lock (clients)
                clients.Add(client);
            _ = forwardPort == 0 ? StaySilentAsync(client) : ForwardAsync(client, forwardPort);
        }
    }

    private async Task StaySilentAsync(TcpClient client)
    {
        Interlocked.Increment(ref openSilentConnections);
        try
        {
            // Read and drop whatever comes, until the client gives up and closes.
            var buffer = new byte[1024];
            var stream = client.GetStream();
            while (await stream.ReadAsync(buffer, running.Token) > 0)
            {
            }
        }
        catch (Exception)
        {
        }
        finally
        {
            Interlocked.Decrement(ref openSilentConnections);
            client.Dispose();
        }
    }

    private async Task ForwardAsync(TcpClient client, int port)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, port, running.Token);
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(down.CopyToAsync(up, running.Token), up.CopyToAsync(down, running.Token));
        }
        catch (Exception)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await running.CancelAsync();
        listener.Stop();
        lock (clients)
            clients.ForEach(c => c.Dispose());
        try
        {
            await accepting;
        }
        catch (Exception)
        {
        }
        running.Dispose();
    }
}
