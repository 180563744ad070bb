package main

// The "kargo-stages" mode: c viewers of Kargo's own UI, each holding the stream its stage view opens against
// Kargo's API server (KargoService.WatchStages over Connect, with Kargo's own generated client). It logs in
// once as Kargo's admin account (AdminLogin), as the UI does, and uses the token for every stream.

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	svcv1alpha1 "github.com/akuity/kargo/api/service/v1alpha1"
	"github.com/akuity/kargo/api/service/v1alpha1/svcv1alpha1connect"
)

func adminToken(ctx context.Context, service svcv1alpha1connect.KargoServiceClient, password string) string {
	login, err := service.AdminLogin(ctx, connect.NewRequest(&svcv1alpha1.AdminLoginRequest{Password: password}))
	if err != nil {
		fail("loadgen: Kargo AdminLogin failed: " + err.Error())
	}
	return login.Msg.GetIdToken()
}

// runKargoStages holds c WatchStages streams for the duration and records when each change event arrived
// (the watch's initial ADDED events are the stream's start, not changes). It writes "ready" on stderr once
// every stream has received its first message.
func runKargoStages(opts options, project, password string) sseResult {
	client := newClient(opts.clients, 0)
	service := svcv1alpha1connect.NewKargoServiceClient(client, opts.url)
	login, cancel := context.WithTimeout(context.Background(), opts.duration)
	defer cancel()
	token := adminToken(login, service, password)
	return holdStreams(opts, "kargo-stages", func(ctx context.Context, stream int, run *streamRun, first func()) {
		request := connect.NewRequest(&svcv1alpha1.WatchStagesRequest{Project: project})
		request.Header().Set("Authorization", "Bearer "+token)
		watch, err := service.WatchStages(ctx, request)
		if err != nil {
			run.failed(err)
			return
		}
		defer watch.Close()
		connected := false
		for watch.Receive() {
			if !connected {
				connected = true
				run.connected()
			}
			first()
			message := watch.Msg()
			if message.GetType() == "ADDED" {
				continue
			}
			stage := message.GetStage()
			run.received(stream, fmt.Sprintf("%s %s %s", message.GetType(), stage.GetName(), stage.GetResourceVersion()))
		}
		if err := watch.Err(); err != nil && ctx.Err() == nil {
			run.failed(err)
		}
	})
}
