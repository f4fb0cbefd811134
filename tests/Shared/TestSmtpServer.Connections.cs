using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Corrections.Testing;

/// <summary>The connections of the test SMTP server: accepted without Nagle's delay, answered, or taken in silence.</summary>
public sealed partial class TestSmtpServer
{
    private readonly List<Socket> silentConnections = [];
    private int connections;
    private int openSilentConnections;
    private volatile bool silent;

    /// <summary>
    /// While set, new connections are accepted and never answered: a relay that hangs. Once cleared, new connections are
    /// answered again, so the same address recovers; those taken in silence stay silent until their client hangs up.
    /// </summary>
    public bool Silent
    {
        get => silent;
        set => silent = value;
    }

    /// <summary>Every connection accepted, answered or taken in silence.</summary>
    public int Connections => Volatile.Read(ref connections);

    /// <summary>Connections taken in silence whose client has not hung up yet.</summary>
    public int OpenSilentConnections => Volatile.Read(ref openSilentConnections);

    /// <summary>Takes a connection and says nothing; reads and drops whatever comes, until the client gives up and closes.</summary>
    private async Task StaySilentAsync(Socket socket)
    {
        Interlocked.Increment(ref openSilentConnections);
        lock (silentConnections)
            silentConnections.Add(socket);
        try
        {
            var buffer = new byte[1024];
            while (await socket.ReceiveAsync(buffer, running!.Token) > 0)
            {
            }
        }
        catch (Exception)
        {
        }
        finally
        {
            Interlocked.Decrement(ref openSilentConnections);
            socket.Dispose();
        }
    }

    private void CloseSilentConnections()
    {
        lock (silentConnections)
            silentConnections.ForEach(c => c.Dispose());
    }

    /// <summary>
    /// Accepts connections with Nagle's algorithm off, and hands the SMTP library only those the server answers. The
    /// library's own listener leaves Nagle on, and its replies then wait for TCP's delayed acknowledgement: about 45 ms a
    /// message on loopback, which a benchmark would measure instead of the service.
    /// </summary>
    private sealed class ListenerFactory(TestSmtpServer server) : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => new Listener(server, endpointDefinition.Endpoint);

        private sealed class Listener : IEndpointListener, IDisposable
        {
            private readonly TestSmtpServer server;
            private readonly TcpListener listener;

            public Listener(TestSmtpServer server, IPEndPoint endpoint)
            {
                this.server = server;
                listener = new TcpListener(endpoint);
                listener.Start();
            }

            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync(cancellationToken);
                    Interlocked.Increment(ref server.connections);
                    if (server.Silent)
                    {
                        _ = server.StaySilentAsync(socket);
                        continue;
                    }
                    socket.NoDelay = true;
                    return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
                }
            }

            public void Dispose() => listener.Stop();
        }

        private sealed class PlainPipe(Stream stream) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(stream);
            public PipeWriter Output { get; } = PipeWriter.Create(stream);
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken) =>
                throw new NotSupportedException("The test SMTP server speaks plain SMTP only");

            public void Dispose() => stream.Dispose();
        }
    }
}
