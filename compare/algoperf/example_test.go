package algoperf_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/algoperf"
)

func ExampleWrite() {
	res := &compare.Results{
		Study: compare.StudyInfo{Seeds: []uint64{1}, Problems: []compare.ProblemInfo{{Name: "mlp/mnist-sample", EvalRows: 2000}}},
		Trials: []*compare.Trial{{Problem: "mlp/mnist-sample", Strategy: "adam", Seed: 1, Status: compare.StatusOK,
			Curve: []compare.Point{
				{Step: 0, TrainLoss: math.NaN(), TestLoss: 2.31, TestAcc: 0.09},
				{Step: 50, Seconds: 1.5, TrainLoss: 0.9, TestLoss: 0.62, TestAcc: 0.83},
			}}},
	}
	dir, _ := os.MkdirTemp("", "algoperf")
	defer os.RemoveAll(dir)
	if err := algoperf.Write(dir, res); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(filepath.Join(dir, "adam", "study_0", "mlp_mnist-sample", "trial_1", algoperf.MeasurementsFile))
	fmt.Print(string(b))
	// Output:
	// accumulated_submission_time,global_step,preemption_count,score,train/loss,validation/accuracy,validation/loss,validation/num_examples
	// 0,0,0,0,,0.09,2.31,2000
	// 1.5,50,0,1.5,0.9,0.83,0.62,2000
}
